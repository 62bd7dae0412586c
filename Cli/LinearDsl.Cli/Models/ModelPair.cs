using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Hosting;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tokenization;
using Spectre.Console;

namespace LinearDsl.Cli;

/// <summary>A loaded target, an optional draft and their tokenizer; disposing frees both models.</summary>
public sealed class ModelPair : IDisposable
{
    ModelPair(CausalLanguageModel target, CausalLanguageModel? draft, ITextTokenizer tokenizer, string targetDirectory, string? draftDirectory)
    {
        Target = target;
        Draft = draft;
        Tokenizer = tokenizer;
        TargetDirectory = targetDirectory;
        DraftDirectory = draftDirectory;
    }

    public CausalLanguageModel Target { get; }

    /// <summary>The draft, or null when speculation is off.</summary>
    public CausalLanguageModel? Draft { get; }

    public ITextTokenizer Tokenizer { get; }

    public string TargetDirectory { get; }

    public string? DraftDirectory { get; }

    /// <summary>
    /// Loads the checkpoints named by <paramref name="settings"/> (the bundled pair when neither --target nor --draft
    /// is given) under a status spinner. The draft is loaded only when <paramref name="speculate"/> is true.
    /// </summary>
    /// <exception cref="CliException">A directory is missing, or the draft is needed and not given.</exception>
    public static ModelPair Load(ModelPairSettings settings, bool speculate, CliEnvironment environment)
    {
        var (targetDirectory, draftDirectory) = Resolve(settings, speculate, environment);
        // Process-wide, and set here because every command that decodes loads its models through this method.
        TorchSharp.torch.set_num_threads(settings.Threads);
        if (settings.DecodeThreads is int decodeThreads) LinearDsl.Runtime.Fused.FusedDecoding.Threads = decodeThreads;
        CheckDirectory(targetDirectory, "--target");
        if (draftDirectory is not null) CheckDirectory(draftDirectory, "--draft");
        const string Instead = "this command decodes causal LMs; use `lineardsl embed` or `fill-mask` with an encoder, `lineardsl generate --target DIR` with an encoder-decoder";
        ArchitectureCheckpoints.RequireCausal(targetDirectory, "--target", Instead);
        if (draftDirectory is not null) ArchitectureCheckpoints.RequireCausal(draftDirectory, "--draft", Instead);

        return Spinner.Run(environment.Out, $"Loading {targetDirectory}", status =>
        {
            var target = Checkpoint.Load(targetDirectory);
            CausalLanguageModel? draft = null;
            try
            {
                if (draftDirectory is not null)
                {
                    status($"Loading {draftDirectory}");
                    draft = Checkpoint.Load(draftDirectory);
                    if (draft.VocabSize != target.VocabSize)
                        throw new CliException($"the draft '{draftDirectory}' has {draft.VocabSize} tokens but the target '{targetDirectory}' {target.VocabSize}; a draft must share its target's vocabulary.");
                }
                var tokenizer = TokenizerChoice.Create(settings.Tokenizer, target.VocabSize);
                return new ModelPair(target, draft, tokenizer, targetDirectory, draftDirectory);
            }
            catch
            {
                target.Dispose();
                draft?.Dispose();
                throw;
            }
        });
    }

    /// <summary>
    /// The decoder the speculation options ask for: with mode heads a tree decoder of the target's Medusa heads; else a
    /// plain decoder when there is no draft, a chain speculative decoder in mode chain and a tree decoder otherwise.
    /// </summary>
    public ITokenDecoder Decoder(SpeculationOptions? speculation)
    {
        var mode = speculation?.Mode ?? SpeculationMode.Chain;
        if (mode is SpeculationMode.Heads or SpeculationMode.HeadsAndDraft && Target.Medusa is null)
            throw new CliException($"--speculation {SpeculationFlags.Name(mode)} needs a target with Medusa heads, and '{TargetDirectory}' has none; train them with `lineardsl train-heads`, or use --speculation chain or tree.");
        if (mode == SpeculationMode.Heads) return new TreeSpeculativeDecoder(Target, null, speculation!);
        if (Draft is null) return new PlainDecoder(Target);
        return mode == SpeculationMode.Chain ? new SpeculativeDecoder(Target, Draft, speculation) : new TreeSpeculativeDecoder(Target, Draft, speculation!);
    }

    /// <summary>A text generator over <see cref="Decoder"/>.</summary>
    public TextGenerator Generator(SpeculationOptions? speculation) => new(Tokenizer, Decoder(speculation));

    /// <summary>A text generator that decodes the target alone.</summary>
    public TextGenerator PlainGenerator() => new(Tokenizer, new PlainDecoder(Target));

    static (string Target, string? Draft) Resolve(ModelPairSettings settings, bool speculate, CliEnvironment environment)
    {
        if (settings.Target is null && settings.Draft is null)
        {
            var bundled = BundledModels.Locate(environment.SearchRoots);
            return (bundled.Target, speculate ? bundled.Draft : null);
        }
        if (settings.Target is null)
            throw new CliException("--draft was given without --target; pass the target's checkpoint directory with --target DIR.");
        if (speculate && settings.Draft is null)
            throw new CliException("speculative decoding needs a draft: pass --draft DIR, or --no-speculation to decode the target alone.");
        return (settings.Target, speculate ? settings.Draft : null);
    }

    static void CheckDirectory(string directory, string option)
    {
        if (!Directory.Exists(directory))
            throw new CliException($"checkpoint directory '{directory}' ({option}) does not exist.");
        foreach (var file in new[] { Checkpoint.ConfigFileName, Checkpoint.WeightsFileName })
        {
            if (!File.Exists(Path.Combine(directory, file)))
                throw new CliException($"'{Path.Combine(directory, file)}' ({option}) is missing: a checkpoint directory holds {Checkpoint.ConfigFileName} and {Checkpoint.WeightsFileName}.");
        }
    }

    public void Dispose()
    {
        Target.Dispose();
        Draft?.Dispose();
    }
}
