using LinearDsl.Runtime.Data;
using LinearDsl.Runtime.Tokenization;

namespace LinearDsl.Cli;

/// <summary>A corpus read, tokenized, packed and split for a model, with what was chosen on the way.</summary>
/// <param name="Split">Training and validation sequences.</param>
/// <param name="CorpusPath">The text file read.</param>
/// <param name="Tokenizer">The tokenizer used.</param>
/// <param name="Context">Tokens per sequence.</param>
public sealed record CorpusData(CorpusSplit Split, string CorpusPath, ITextTokenizer Tokenizer, int Context)
{
    /// <summary>
    /// Reads <see cref="CorpusSettings.Corpus"/> (the bundled corpus by default) with the tokenizer of a model of
    /// <paramref name="vocabSize"/> ids and packs it with <see cref="CorpusSettings.Context"/> (default
    /// <paramref name="modelContext"/>, which it may not exceed); <paramref name="validationFraction"/> of the sequences are held out.
    /// </summary>
    /// <exception cref="CliException">The context is too long, or the corpus cannot be found.</exception>
    public static CorpusData Load(CorpusSettings settings, int vocabSize, int modelContext, double validationFraction, CliEnvironment environment)
    {
        int context = settings.Context ?? modelContext;
        if (context > modelContext)
            throw new CliException($"--context {context} is longer than the model's context length {modelContext}.");
        var tokenizer = TokenizerChoice.Create(settings.Tokenizer, vocabSize);
        string path = settings.Corpus ?? BundledCorpus.Locate(environment.SearchRoots);
        if (!File.Exists(path)) throw new CliException($"corpus file '{path}' (--corpus) does not exist.");
        var split = Spinner.Run(environment.Out, $"Reading {path}", _ => SequencePacker.Load(path, tokenizer, context, validationFraction));
        return new CorpusData(split, path, tokenizer, context);
    }
}
