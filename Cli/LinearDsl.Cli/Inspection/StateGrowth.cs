using LinearDsl.Runtime.Modeling;
using static TorchSharp.torch;

namespace LinearDsl.Cli;

/// <summary>Decoding state bytes after 1 and after N prefilled tokens, and the growth per token of context.</summary>
/// <param name="OneToken">StateBytes after one token.</param>
/// <param name="Tokens">N.</param>
/// <param name="NTokens">StateBytes after N tokens.</param>
public sealed record StateGrowth(long OneToken, int Tokens, long NTokens)
{
    /// <summary>Bytes added per token of context (0 for linear mixers: constant-size state).</summary>
    public double BytesPerToken => (double)(NTokens - OneToken) / (Tokens - 1);

    /// <summary>Whether the state has the same size after 1 and N tokens.</summary>
    public bool IsConstant => NTokens == OneToken;

    /// <summary>Prefills one row with 1 and with <paramref name="tokens"/> tokens and compares <see cref="ModelState.StateBytes"/>.</summary>
    public static StateGrowth Measure(CausalLanguageModel model, int tokens)
    {
        if (tokens < 2) throw new ArgumentOutOfRangeException(nameof(tokens), tokens, "Measuring growth needs at least 2 tokens.");
        return new StateGrowth(After(model, 1), tokens, After(model, tokens));
    }

    static long After(CausalLanguageModel model, int tokens)
    {
        using var scope = NewDisposeScope();
        using var state = model.CreateState(1);
        var ids = arange(tokens, dtype: ScalarType.Int64).remainder_(model.VocabSize).unsqueeze(0);
        model.Prefill(ids, state);
        return state.StateBytes;
    }
}
