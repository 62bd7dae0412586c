using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Hosting;
using LinearDsl.Runtime.Modeling;
using Spectre.Console;

namespace LinearDsl.Cli;

/// <summary>
/// <c>generate</c> on a seq2seq checkpoint: the prompt is the source, encoded once; the decoded target text streams
/// out, followed by the decoding report: plain (one decoder step per token), or speculative with a seq2seq --draft
/// (Seq2SeqSpeculativeDecoder, chains; compared with a plain run of the same request unless --no-compare).
/// </summary>
public static class Seq2SeqGeneration
{
    /// <summary>Runs the request of <paramref name="settings"/> on the seq2seq target and writes the target text and the report.</summary>
    /// <exception cref="CliException">Speculation without a seq2seq draft, or a source longer than the models' context.</exception>
    public static async Task<int> RunAsync(GenerateSettings settings, CliEnvironment environment, CancellationToken cancellationToken)
    {
        var console = environment.Out;
        bool speculative = settings.Speculate;
        if (speculative && settings.Draft is null)
            throw new CliException($"'{settings.Target}' is an encoder-decoder; speculative decoding needs a seq2seq draft: pass --draft DIR (a seq2seq checkpoint), or --no-speculation.");
        // A seq2seq model has no Medusa heads, so --speculation auto means chain here.
        var speculation = settings.SpeculationFor(targetHasHeads: false);
        if (speculative && speculation.Mode != SpeculationMode.Chain)
            throw new CliException($"a seq2seq target decodes speculatively with chains only; drop --speculation {settings.SpeculationMode} (or pass --speculation chain).");
        string? draftDirectory = speculative ? settings.Draft : null;
        if (draftDirectory is not null && ArchitectureCheckpoints.Read(draftDirectory, "--draft") != ModelArchitecture.Seq2Seq)
            throw new CliException($"'{draftDirectory}' (--draft) holds {ArchitectureCheckpoints.Describe(ArchitectureCheckpoints.Read(draftDirectory, "--draft"))}; a seq2seq target takes a seq2seq draft.");
        TorchSharp.torch.set_num_threads(settings.Threads);
        using var model = Spinner.Run(console, $"Loading {settings.Target}", _ => Checkpoint.LoadSeq2Seq(settings.Target!));
        using var draft = draftDirectory is null ? null : Spinner.Run(console, $"Loading {draftDirectory}", _ => Checkpoint.LoadSeq2Seq(draftDirectory));
        var tokenizer = TokenizerChoice.Create(settings.Tokenizer, model.VocabSize);
        ITextGenerator generator = draft is null
            ? new Seq2SeqTextGenerator(tokenizer, model)
            : new TextGenerator(tokenizer, new Seq2SeqSpeculativeDecoder(model, draft, speculation));
        int limit = Math.Min(model.Config.ContextLength, draft?.Config.ContextLength ?? int.MaxValue);
        int length = tokenizer.Encode(settings.Prompt).Length;
        if (length > limit)
            throw new CliException($"the source is {length} tokens, more than the model's context of {limit}; shorten it.");

        TextGenerationResult? result = null;
        await foreach (var update in generator.StreamAsync(settings.Prompt, settings.Request, cancellationToken))
        {
            ConsoleText.Write(console, update.Text);
            result = update.Result ?? result;
        }
        console.WriteLine();
        if (result is null) throw new InvalidOperationException("The generation ended without a result.");
        // A speculative run is compared with a plain run of the same request (same text when greedy).
        TextGenerationResult? plain = draft is not null && !settings.NoCompare
            ? await new TextGenerator(tokenizer, new Seq2SeqDecoder(model)).GenerateAsync(settings.Prompt, settings.Request, cancellationToken)
            : null;
        console.WriteLine();
        DecodingReport.Write(console, result, draft is null ? "plain" : "speculative", plain);
        return 0;
    }

    /// <summary>Whether <paramref name="settings"/>' target is a checkpoint of <paramref name="architecture"/>.</summary>
    public static bool TargetIs(GenerateSettings settings, ModelArchitecture architecture)
        => settings.Target is not null && ArchitectureCheckpoints.Read(settings.Target, "--target") == architecture;
}
