using LinearDsl.Runtime.Diagnostics;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>
/// <c>check-causality DIR</c>: the whole-model perturbation probe in Forward, Step and Verify. Exit code 0 when every
/// form ran and none leaked, <see cref="NotCausal"/> when a form leaked, refused to run or produced NaN (which leaves causality unjudged).
/// </summary>
public sealed class CheckCausalityCommand(CliEnvironment environment) : Command<CheckCausalitySettings>
{
    /// <summary>Exit code when the model reads later tokens (or refuses a decoding form, which only deliberately non-causal models do).</summary>
    public const int NotCausal = 1;

    public override int Execute(CommandContext context, CheckCausalitySettings settings, CancellationToken cancellationToken)
    {
        var console = environment.Out;
        using var model = Spinner.Run(console, $"Loading {settings.Directory}", _ => ModelSource.LoadCheckpoint(settings.Directory, "DIR"));
        int length = Math.Min(settings.Length, model.Config?.ContextLength ?? settings.Length);
        long position = Math.Min(settings.Position ?? length / 2 + 1, length - 1);
        var report = Spinner.Run(console, "Probing Forward, Step and Verify", _ => CausalityProbe.Check(model, length, position, (ulong)settings.Seed));

        foreach (var finding in report.Findings) ConsoleText.WriteLine(console, finding.ToString());
        if (report.IsCausal)
        {
            ConsoleText.WriteLine(console, $"causal: no output before token {position} of {length} changed in any form.");
            return 0;
        }
        var nonFinite = report.Findings.FirstOrDefault(f => f.Verdict == CausalityVerdict.NonFinite);
        ConsoleText.WriteLine(console, nonFinite is not null
            ? $"NOT CERTIFIED: the model produces NaN or infinity at position {nonFinite.FirstLeak}; causality cannot be judged (check the weights)."
            : report.Leaks
            ? $"NOT CAUSAL: an output before token {position} changed, so the model reads later tokens."
            : "NOT CERTIFIED: a form refused to run (a deliberately non-causal model).");
        return NotCausal;
    }
}
