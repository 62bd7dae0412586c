using LinearDsl.Runtime.Data;
using LinearDsl.Runtime.Modeling;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Training;

/// <summary>
/// The model's own greedy continuations of corpus prompts and its final hidden state before each continuation token:
/// Tokens[s, j] is the j-th greedy token of sequence s and Hidden[s, j] the hidden state that predicted it, so
/// head i learns Tokens[s, j + 1 + i] from Hidden[s, j]. The backbone is frozen, so its hidden states are computed
/// once, here.
/// </summary>
internal sealed class MedusaContinuations : IDisposable
{
    MedusaContinuations(Tensor tokens, Tensor hidden)
    {
        Tokens = tokens;
        Hidden = hidden;
    }

    /// <summary>[sequences, length] int64.</summary>
    public Tensor Tokens { get; }

    /// <summary>[sequences, length, width] in the model's dtype.</summary>
    public Tensor Hidden { get; }

    public long Count => Tokens.shape[0];

    /// <summary>
    /// <paramref name="count"/> continuations of prompts drawn (seeded) from corpus tokens [<paramref name="from"/>,
    /// <paramref name="to"/>), written <see cref="MedusaTrainingOptions.GenerationBatch"/> at a time.
    /// </summary>
    public static MedusaContinuations Write(CausalLanguageModel model, TokenCorpus corpus, int from, int to, int count, MedusaTrainingOptions options,
        ulong seed, Action<int>? written)
    {
        var random = new SplitMix64(seed);
        int span = to - from - options.PromptLength;
        var tokens = new List<Tensor>();
        var hidden = new List<Tensor>();
        try
        {
            for (int done = 0; done < count; done += options.GenerationBatch)
            {
                int rows = Math.Min(options.GenerationBatch, count - done);
                var prompts = new long[rows * options.PromptLength];
                for (int r = 0; r < rows; r++)
                {
                    int start = from + random.NextBelow(span + 1);
                    corpus.Tokens.Slice(start, options.PromptLength).CopyTo(prompts.AsSpan(r * options.PromptLength, options.PromptLength));
                }
                var (t, h) = Continue(model, tensor(prompts, [rows, options.PromptLength]), options.ContinuationLength);
                tokens.Add(t);
                hidden.Add(h);
                written?.Invoke(done + rows);
            }
            return new MedusaContinuations(cat(tokens, 0), cat(hidden, 0));
        }
        finally
        {
            foreach (var t in tokens.Concat(hidden)) t.Dispose();
        }
    }

    /// <summary>Greedy decoding of every prompt row, keeping each step's hidden state.</summary>
    static (Tensor Tokens, Tensor Hidden) Continue(CausalLanguageModel model, Tensor prompts, int length)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var state = model.CreateState(prompts.shape[0]);
        var step = model.PrefillWithHidden(prompts, state);
        var last = step.Logits.select(1, -1);
        var h = step.Hidden.select(1, -1);
        var tokens = new List<Tensor>(length);
        var hidden = new List<Tensor>(length);
        for (int j = 0; j < length; j++)
        {
            var next = last.argmax(-1);
            tokens.Add(next);
            hidden.Add(h);
            if (j == length - 1) break;
            step = model.StepWithHidden(next.unsqueeze(1), state);
            last = step.Logits.select(1, 0);
            h = step.Hidden.select(1, 0);
        }
        return (stack(tokens, 1).MoveToOuterDisposeScope(), stack(hidden, 1).MoveToOuterDisposeScope());
    }

    public void Dispose()
    {
        Tokens.Dispose();
        Hidden.Dispose();
    }
}
