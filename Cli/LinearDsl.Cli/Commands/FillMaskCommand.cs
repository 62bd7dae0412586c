using System.Globalization;
using System.Text.Json.Serialization;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tokenization;
using Spectre.Console.Cli;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Cli;

/// <summary>
/// <c>fill-mask DIR TEXT</c>: an encoder's masked-LM candidates for every [MASK] in the text (the mask token id where
/// the placeholder stands, the text's tokens around it), most likely first, then the text with each mask's best fill.
/// </summary>
public sealed class FillMaskCommand(CliEnvironment environment) : Command<FillMaskSettings>
{
    public override int Execute(CommandContext context, FillMaskSettings settings, CancellationToken cancellationToken)
    {
        var console = environment.Out;
        if (settings.Json is not null) OutputPaths.CheckFile(settings.Json, "--json");
        using var model = ArchitectureCheckpoints.LoadEncoder(settings.Directory, "DIR", "fill-mask");
        var config = model.Config;
        var tokenizer = ArchitectureCheckpoints.EncoderTokenizer(settings.Tokenizer, config, settings.Directory);
        long mask = config.MaskTokenId ?? throw new CliException($"'{settings.Directory}' has no mask_token_id in its config.json; fill-mask needs the id the encoder was trained to fill.");
        var (tokens, masks) = Tokenize(settings.Text, settings.Mask, tokenizer, mask);
        if (tokens.Length > config.ContextLength)
            throw new CliException($"TEXT is {tokens.Length} tokens, more than the encoder's context of {config.ContextLength}; shorten it.");

        var fills = Candidates(model, tokenizer, tokens, masks, mask, Math.Min(settings.TopK, tokenizer.VocabSize - (mask < tokenizer.VocabSize ? 1 : 0)));
        for (int m = 0; m < masks.Count; m++)
        {
            string shown = string.Join("  ", fills[m].Select(c => $"{Quoted(c.Text)} {c.Probability.ToString("F4", CultureInfo.InvariantCulture)}"));
            ConsoleText.WriteLine(console, $"mask {m + 1} (token {masks[m]}): {shown}");
        }
        var best = tokens.ToArray();
        for (int m = 0; m < masks.Count; m++) best[masks[m]] = fills[m][0].Token;
        ConsoleText.WriteLine(console, "filled: " + OneLine(tokenizer.Decode(best)));
        if (settings.Json is not null)
        {
            JsonFile.Write(settings.Json, masks.Select((position, m) => new MaskFills(position, fills[m])).ToList(), "--json");
            ConsoleText.WriteLine(console, $"wrote {settings.Json}");
        }
        return 0;
    }

    /// <summary>
    /// The text's tokens with the mask id at every placeholder, and the placeholders' positions. A tokenizer that
    /// knows the mask as a special token (WordPiece's [MASK]) encodes the whole text with the placeholders written as
    /// that token, so its framing ([CLS] ... [SEP]) and word splitting see the sentence as a whole; other tokenizers
    /// encode the pieces between placeholders.
    /// </summary>
    static (long[] Tokens, List<int> Masks) Tokenize(string text, string placeholder, ITextTokenizer tokenizer, long mask)
    {
        if (tokenizer.SpecialTokens.FirstOrDefault(p => p.Value == mask).Key is { } maskText)
        {
            long[] whole = tokenizer.Encode(text.Replace(placeholder, " " + maskText + " ", StringComparison.Ordinal));
            return (whole, Enumerable.Range(0, whole.Length).Where(i => whole[i] == mask).ToList());
        }
        var tokens = new List<long>();
        var masks = new List<int>();
        var pieces = text.Split(placeholder);
        for (int i = 0; i < pieces.Length; i++)
        {
            if (i > 0)
            {
                masks.Add(tokens.Count);
                tokens.Add(mask);
            }
            tokens.AddRange(tokenizer.Encode(pieces[i]));
        }
        return (tokens.ToArray(), masks);
    }

    /// <summary>The <paramref name="k"/> most likely tokens at each mask (never the mask token itself), from the masked-LM softmax.</summary>
    static List<Candidate[]> Candidates(EncoderModel model, ITextTokenizer tokenizer, long[] tokens, List<int> masks, long mask, int k)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logits = model.MaskedLogits(tensor(tokens, [1, tokens.Length]))[0].to_type(ScalarType.Float64);
        var result = new List<Candidate[]>();
        foreach (int position in masks)
        {
            // Only ids the tokenizer can write are candidates, and never the mask token itself.
            var row = logits[position].narrow(0, 0, tokenizer.VocabSize).clone();
            if (mask < tokenizer.VocabSize) row[mask] = double.NegativeInfinity;
            var probabilities = row.softmax(0);
            var (values, indices) = probabilities.topk(k);
            double[] p = values.data<double>().ToArray();
            long[] ids = indices.data<long>().ToArray();
            result.Add(ids.Select((id, i) => new Candidate(id, p[i], tokenizer.Decode([id]))).ToArray());
        }
        return result;
    }

    static string Quoted(string text) => "'" + OneLine(text) + "'";

    /// <summary>Text on one line: line breaks and tabs written as \n, \r and \t, other control characters made harmless.</summary>
    public static string OneLine(string text)
        => ConsoleText.Printable(text.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal));

    /// <summary>One candidate fill: its token id, probability and text.</summary>
    public sealed record Candidate(
        [property: JsonPropertyName("token")] long Token,
        [property: JsonPropertyName("probability")] double Probability,
        [property: JsonPropertyName("text")] string Text);

    /// <summary>The candidates of one mask in the JSON output.</summary>
    public sealed record MaskFills([property: JsonPropertyName("position")] int Position, [property: JsonPropertyName("candidates")] Candidate[] Candidates);
}
