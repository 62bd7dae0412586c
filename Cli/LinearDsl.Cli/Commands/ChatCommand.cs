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
        var generator = new TextGenerator(pair.Tokenizer, pair.Decoder(settings.SpeculationFor(pair.Target.Medusa is not null)), defaults);
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

            if (!FitsAlone(generator, settings.System, line))
            {
                ConsoleText.WriteLine(environment.Error, $"error: the message is longer than the model's context of {generator.MaxPromptTokens:N0} tokens; it was not sent. Send a shorter one.");
                continue;
            }
            messages.Add(new ChatMessage(ChatRole.User, line));
            console.Markup("[bold]assistant>[/] ");
            List<ChatResponseUpdate> updates;
            try
            {
                updates = await Reply(chat, messages, cancellationToken);
            }
            catch (PromptTooLongException)
            {
                // The conversation outgrew the context; the message alone fits (checked above), so start over with it.
                ConsoleText.WriteLine(console, "");
                ConsoleText.WriteLine(environment.Error, "warning: the conversation no longer fits the model's context; earlier messages are dropped.");
                messages.RemoveAll(m => m.Role != ChatRole.System);
                messages.Add(new ChatMessage(ChatRole.User, line));
                console.Markup("[bold]assistant>[/] ");
                updates = await Reply(chat, messages, cancellationToken);
            }
            messages.AddMessages(updates);
            if (updates.LastOrDefault()?.RawRepresentation is TextGenerationResult result)
                console.MarkupLineInterpolated($"[grey]({DecodingReport.Summary(result.Statistics)})[/]");
        }
        return 0;

        async Task<List<ChatResponseUpdate>> Reply(IChatClient client, List<ChatMessage> history, CancellationToken token)
        {
            var updates = new List<ChatResponseUpdate>();
            await foreach (var update in client.GetStreamingResponseAsync(history, cancellationToken: token))
            {
                ConsoleText.Write(console, update.Text);
                updates.Add(update);
            }
            console.WriteLine();
            return updates;
        }
    }

    /// <summary>
    /// Whether <paramref name="line"/> with the system message fits the model's context. A line of more than 16
    /// characters per token of context is refused without tokenizing it (a megabyte line would take long): the shipped
    /// tokenizers average far fewer characters per token on any text meant to be read.
    /// </summary>
    static bool FitsAlone(TextGenerator generator, string? system, string line)
    {
        if (generator.MaxPromptTokens is not int limit) return true;
        if (line.Length > limit * 16L) return false;
        int tokens = generator.Tokenizer.Encode(line).Length + (string.IsNullOrEmpty(system) ? 0 : generator.Tokenizer.Encode(system).Length);
        return tokens <= limit;
    }
}
