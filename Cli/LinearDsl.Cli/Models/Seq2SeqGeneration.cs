using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Hosting;
using LinearDsl.Runtime.Modeling;
using Spectre.Console;

namespace LinearDsl.Cli;

/// <summary>
/// <c>generate</c> on a seq2seq checkpoint: the prompt is the source, encoded once; the decoded target text streams
/// out, followed by the decoding report. Decoding is plain (one decoder step per token).
/// </summary>
public static class Seq2SeqGeneration
{
    /// <summary>Runs the request of <paramref name="settings"/> on the seq2seq target and writes the target text and the report.</summary>
    /// <exception cref="CliException">A draft is asked for, or the source is longer than the model's context.</exception>
    public static async Task<int> RunAsync(GenerateSettings settings, CliEnvironment environment, CancellationToken cancellationToken)
    {
        var console = environment.Out;
        if (settings.Draft is not null)
            throw new CliException($"'{settings.Target}' is an encoder-decoder, which generate decodes without a draft; drop --draft (and pass --no-speculation).");
        if (settings.Speculate)
            throw new CliException($"'{settings.Target}' is an encoder-decoder, which generate decodes without speculation; pass --no-speculation.");
        TorchSharp.torch.set_num_threads(settings.Threads);
        using var model = Spinner.Run(console, $"Loading {settings.Target}", _ => Checkpoint.LoadSeq2Seq(settings.Target!));
        var tokenizer = TokenizerChoice.Create(settings.Tokenizer, model.VocabSize);
        var generator = new Seq2SeqTextGenerator(tokenizer, model);
        int length = tokenizer.Encode(settings.Prompt).Length;
        if (length > generator.MaxPromptTokens)
            throw new CliException($"the source is {length} tokens, more than the model's context of {generator.MaxPromptTokens}; shorten it.");

        TextGenerationResult? result = null;
        await foreach (var update in generator.StreamAsync(settings.Prompt, settings.Request, cancellationToken))
        {
            ConsoleText.Write(console, update.Text);
            result = update.Result ?? result;
        }
        console.WriteLine();
        if (result is null) throw new InvalidOperationException("The generation ended without a result.");
        console.WriteLine();
        DecodingReport.Write(console, result, "plain", null);
        return 0;
    }

    /// <summary>Whether <paramref name="settings"/>' target is a checkpoint of <paramref name="architecture"/>.</summary>
    public static bool TargetIs(GenerateSettings settings, ModelArchitecture architecture)
        => settings.Target is not null && ArchitectureCheckpoints.Read(settings.Target, "--target") == architecture;
}
