using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Hosting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>
/// <c>generate [PROMPT]</c>: streams a continuation (speculative by default), then prints the statistics side by side
/// with a plain run of the same request and the speed-up. A seq2seq --target takes the prompt as its source and
/// streams the decoded target text (<see cref="Seq2SeqGeneration"/>).
/// </summary>
public sealed class GenerateCommand(CliEnvironment environment) : AsyncCommand<GenerateSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, GenerateSettings settings, CancellationToken cancellationToken)
    {
        var console = environment.Out;
        if (settings.Target is not null)
        {
            switch (ArchitectureCheckpoints.Read(settings.Target, "--target"))
            {
                case Runtime.Modeling.ModelArchitecture.Seq2Seq:
                    return await Seq2SeqGeneration.RunAsync(settings, environment, cancellationToken);
                case Runtime.Modeling.ModelArchitecture.Encoder:
                    throw new CliException($"'{settings.Target}' is an encoder, which generates no text; use `{LineardslApp.Name} fill-mask` or `{LineardslApp.Name} embed` with it.");
            }
        }
        using var pair = ModelPair.Load(settings, settings.Speculate, environment);
        var generator = pair.Generator(settings.SpeculationFor(pair.Target.Medusa is not null));
        // Before the prompt is echoed, so that the refusal is a line of its own.
        if (generator.MaxPromptTokens is int limit && pair.Tokenizer.Encode(settings.Prompt).Length is var length && length > limit)
            throw new PromptTooLongException(length, limit);
        bool speculative = generator.Decoder is not PlainDecoder;
        bool compare = speculative && !settings.NoCompare;
        var plainGenerator = compare ? pair.PlainGenerator() : null;
        await Warmup.RunAsync(console, [generator, plainGenerator], cancellationToken);

        ConsoleText.Write(console, settings.Prompt);
        TextGenerationResult? result = null;
        await foreach (var update in generator.StreamAsync(settings.Prompt, settings.Request, cancellationToken))
        {
            ConsoleText.Write(console, update.Text);
            result = update.Result ?? result;
        }
        console.WriteLine();
        if (result is null) throw new InvalidOperationException("The generation ended without a result.");

        TextGenerationResult? plain = null;
        if (plainGenerator is not null)
        {
            // The streamed run above wrote to the console every round, which on a busy machine costs more than a round
            // of a small model; the comparison times both decoders the same way, without console output, in turn.
            (result, plain) = await Spinner.RunAsync(console, $"Timing speculative and plain decoding of the same request, {settings.TimedRuns} runs each, without console output",
                async () =>
                {
                    var speculativeRuns = new List<TextGenerationResult>();
                    var plainRuns = new List<TextGenerationResult>();
                    for (int run = 0; run < settings.TimedRuns; run++)
                    {
                        speculativeRuns.Add(await Timed(generator));
                        plainRuns.Add(await Timed(plainGenerator));
                    }
                    return (MedianRun(speculativeRuns), MedianRun(plainRuns));
                });
        }

        console.WriteLine();
        DecodingReport.Write(console, result, speculative ? "speculative" : "plain", plain, settings.TimedRuns);
        return 0;

        // Each timed run starts after a full collection, so that neither pays for the other's (or the stream's) garbage.
        async Task<TextGenerationResult> Timed(TextGenerator timed)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            return await timed.GenerateAsync(settings.Prompt, settings.Request, cancellationToken);
        }
    }

    /// <summary>The run of median wall time (the later of the two middle ones for an even count).</summary>
    static TextGenerationResult MedianRun(List<TextGenerationResult> runs) => runs.OrderBy(r => r.Statistics.Elapsed).ElementAt(runs.Count / 2);
}
