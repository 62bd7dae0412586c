using LinearDsl.Runtime.Hosting;
using Microsoft.Extensions.AI;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>
/// <c>chat</c>: reads a line, streams the reply through <see cref="IChatClient"/>, keeps the conversation; <c>/exit</c>
/// or the end of the input quits. Reads from <see cref="CliEnvironment.Input"/>, so piped input works.
/// </summary>
public sealed class ChatCommand(CliEnvironment environment) : AsyncCommand<ChatSettings>
{
    /// <summary>The line that ends the chat.</summary>
    public const string ExitCommand = "/exit";

    public override async Task<int> ExecuteAsync(CommandContext context, ChatSettings settings, CancellationToken cancellationToken)
    {
        var console = environment.Out;
        using var pair = ModelPair.Load(settings, settings.Speculate, environment);
        var defaults = new LinearDslGenerationOptions
        {
            MaxNewTokens = settings.MaxTokens,
            Temperature = settings.Temperature,
            TopK = settings.TopK,
            TopP = settings.TopP,
            Seed = settings.Seed,
            StopSequences = [.. settings.Stop],
        };
        var generator = new TextGenerator(pair.Tokenizer, pair.Decoder(settings.Speculation), defaults);
        // The first reply should not pay for compiling the decode path.
        await Warmup.RunAsync(console, [generator], cancellationToken);
        using IChatClient chat = new LinearDslChatClient(generator);
        var messages = new List<ChatMessage>();
        if (!string.IsNullOrWhiteSpace(settings.System)) messages.Add(new ChatMessage(ChatRole.System, settings.System));

        console.MarkupLine($"[grey]Type a message and press Enter; {ExitCommand} or end of input quits.[/]");
        while (true)
        {
            console.Markup("[bold]you>[/] ");
            string? line = environment.Input.ReadLine();
            if (line is null)
            {
                console.WriteLine();
                break;
            }
            if (environment.EchoInput) ConsoleText.Write(console, line + Environment.NewLine);
            line = line.Trim();
            if (line.Equals(ExitCommand, StringComparison.OrdinalIgnoreCase)) break;
            if (line.Length == 0) continue;

            messages.Add(new ChatMessage(ChatRole.User, line));
            console.Markup("[bold]assistant>[/] ");
            var updates = new List<ChatResponseUpdate>();
            await foreach (var update in chat.GetStreamingResponseAsync(messages, cancellationToken: cancellationToken))
            {
                ConsoleText.Write(console, update.Text);
                updates.Add(update);
            }
            console.WriteLine();
            messages.AddMessages(updates);
            if (updates.LastOrDefault()?.RawRepresentation is TextGenerationResult result)
                console.MarkupLineInterpolated($"[grey]({DecodingReport.Summary(result.Statistics)})[/]");
        }
        return 0;
    }
}
