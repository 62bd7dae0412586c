using System.Diagnostics;

namespace LinearDsl.Cli.Tests;

/// <summary>SIGINT (Ctrl+C) stops a running command: the process ends with the one-line "cancelled." error.</summary>
public sealed class InterruptTests(TinyCheckpoints checkpoints) : IClassFixture<TinyCheckpoints>
{
    [Fact]
    public async Task Sigint_during_generation_ends_the_process_with_one_line()
    {
        // SIGINT is sent with kill(1); the test machines run Linux.
        OperatingSystem.IsWindows().Should().BeFalse("this test sends SIGINT with kill(1)");
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "lineardsl"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            ArgumentList = { "generate", "--target", checkpoints.Target, "--no-speculation", "--max-tokens", "1000000", "--temperature", "1", "Once" },
        };
        using var process = Process.Start(start)!;
        string error = "";
        try
        {
            // Wait until it generates (the prompt is echoed first, then the continuation streams).
            var buffer = new char[32];
            int read = 0;
            while (read < buffer.Length)
            {
                int count = await process.StandardOutput.ReadAsync(buffer.AsMemory(read));
                count.Should().BePositive("generation streams text until interrupted");
                read += count;
            }
            using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
            var drain = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(patience.Token);
            await drain;
            error = await errors;
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }

        process.ExitCode.Should().Be(ErrorReporter.InternalError, error);
        error.Trim().Should().Be("error: cancelled.");
    }
}
