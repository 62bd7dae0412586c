using LinearDsl.Runtime.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Study;

/// <summary>
/// Greedy decoding of one source with a seq2seq model, plainly (Step) and speculatively with a draft (the draft
/// proposes by Verify, the target verifies the proposal in one call and commits the accepted prefix): the two must
/// give the same tokens.
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
    /// The same tokens by greedy speculative decoding: per round the draft proposes up to <paramref name="draftTokens"/>
    /// tokens; returns them with the proposed and accepted counts.
    /// </summary>
    public static (long[] Tokens, long Proposed, long Accepted) Speculative(Seq2SeqModel target, Seq2SeqModel draft, long[] source, int length, int draftTokens)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        target.eval();
        draft.eval();
        var sourceTensor = tensor(source, [1, source.Length]);
        using var targetMemory = target.Encode(sourceTensor);
        using var draftMemory = draft.Encode(sourceTensor);
        using var targetState = target.CreateState(targetMemory);
        using var draftState = draft.CreateState(draftMemory);
        var output = new List<long>(length);
        long last = target.Config.DecoderStartTokenId, proposed = 0, accepted = 0;
        while (output.Count < length)
        {
            using var round = NewDisposeScope();
            int k = Math.Min(draftTokens, length - output.Count - 1);
            var block = new List<long> { last };
            Seq2SeqPending? draftPending = null;
            try
            {
                for (int j = 0; j < k; j++)
                {
                    draftPending?.Dispose();
                    var proposal = draft.Verify(tensor(block.ToArray(), [1, block.Count]), draftState);
                    draftPending = proposal.Pending;
                    block.Add(proposal.Logits[0, -1].argmax().ToInt64());
                }
                var verified = target.Verify(tensor(block.ToArray(), [1, block.Count]), targetState);
                using var targetPending = verified.Pending;
                var greedy = verified.Logits[0].argmax(-1).data<long>().ToArray();
                int n = 0;
                while (n < k && block[n + 1] == greedy[n]) n++;
                proposed += k;
                accepted += n;
                target.Commit(targetState, targetPending, [n + 1]);
                // The draft read [last, d1 .. d(k-1)]: keep [last, d1 .. dn], and feed dk when all k were accepted.
                if (draftPending is null) draft.Step(tensor(new[] { last }, [1, 1]), draftState);
                else
                {
                    draft.Commit(draftState, draftPending, [Math.Min(n + 1, k)]);
                    if (n == k) draft.Step(tensor(new[] { block[k] }, [1, 1]), draftState);
                }
                for (int j = 1; j <= n; j++) output.Add(block[j]);
                output.Add(last = greedy[n]);
            }
            finally
            {
                draftPending?.Dispose();
            }
        }
        return (output.Take(length).ToArray(), proposed, accepted);
    }
}
