using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>The <c>lineardsl</c> command tree, its error handling and its services.</summary>
public static class LineardslApp
{
    /// <summary>The executable's name in help and messages.</summary>
    public const string Name = "lineardsl";

    /// <summary>Runs the command line with <paramref name="args"/>; returns the exit code.</summary>
    public static Task<int> RunAsync(string[] args, CliEnvironment environment, CancellationToken cancellationToken = default)
    {
        var app = new CommandApp();
        app.Configure(config => Configure(config, environment));
        return app.RunAsync(args, cancellationToken);
    }

    /// <summary>Registers the commands and <paramref name="environment"/>, and reports failures as one line.</summary>
    public static void Configure(IConfigurator config, CliEnvironment environment)
    {
        config.SetApplicationName(Name);
        config.UseStrictParsing();
        config.ConfigureConsole(environment.Out);
        config.Settings.Registrar.RegisterInstance(environment);
        config.SetExceptionHandler((error, _) => ErrorReporter.Report(error, environment.Error));

        config.AddCommand<GenerateCommand>("generate")
            .WithDescription("Continue a prompt with speculative decoding (the bundled target and draft by default), streaming the text, then print acceptance rate, tokens/s, target calls, time to first token and the speed-up over a plain run of the same request.")
            .WithExample("generate", "\"Once upon a time\"")
            .WithExample("generate", "--target", "checkpoints/target", "--draft", "checkpoints/draft", "--max-tokens", "100", "\"The sea\"");
        config.AddCommand<ChatCommand>("chat")
            .WithDescription("Chat with the model: type a line, read the streamed reply; /exit or end of input quits.")
            .WithExample("chat", "--temperature", "0.7");
        config.AddCommand<InspectCommand>("inspect")
            .WithDescription("Show a checkpoint's declared architecture, parameter count, size on disk and decoding state bytes per token of context.")
            .WithExample("inspect", "Models/bundled/target");
        config.AddCommand<BenchCommand>("bench")
            .WithDescription("Measure decode tokens/s of plain and speculative decoding on a target and draft (a few seconds); --json writes the figures.")
            .WithExample("bench", "--target", "Models/bundled/target", "--draft", "Models/bundled/draft", "--json", "artifacts/bench.json");
    }
}
