using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Study;

/// <summary>
/// Greedy decoding of one source with a seq2seq model: plainly, token by token with the model's Step, and by the
/// runtime's speculative seq2seq decoder with a draft. The two must give the same tokens.
/// </summary>
static class Seq2SeqGreedy
{
    /// <summary><paramref name="length"/> greedy tokens after the decoder start token.</summary>
    public static long[] Plain(Seq2SeqModel model, long[] source, int length)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.eval();
        using var memory = model.Encode(tensor(source, [1, source.Length]));
        using var state = model.CreateState(memory);
        var output = new long[length];
        long next = model.Config.DecoderStartTokenId;
        for (int i = 0; i < length; i++)
        {
            using var inner = NewDisposeScope();
            var logits = model.Step(tensor(new[] { next }, [1, 1]), state);
            output[i] = next = logits[0, -1].argmax().ToInt64();
        }
        return output;
    }

    /// <summary>
    /// The same tokens by the runtime's greedy speculative seq2seq decoding (<see cref="Seq2SeqSpeculativeDecoder"/>,
    /// chains of <paramref name="draftTokens"/> draft tokens); returns them with the drafted and accepted counts.
    /// </summary>
    public static (long[] Tokens, long Proposed, long Accepted) Speculative(Seq2SeqModel target, Seq2SeqModel draft, long[] source, int length, int draftTokens)
    {
        target.eval();
        draft.eval();
        var decoder = new Seq2SeqSpeculativeDecoder(target, draft, new SpeculationOptions { DraftTokens = draftTokens, MaxDraftTokens = Math.Max(8, draftTokens) });
        using var session = decoder.Start([source], new GenerationOptions { MaxNewTokens = length, Sampling = SamplingOptions.Greedy });
        session.RunToEnd();
        return (session.Generated[0].ToArray(), session.Statistics.DraftedTokens, session.Statistics.AcceptedTokens);
    }
}
