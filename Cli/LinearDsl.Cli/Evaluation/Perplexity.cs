using LinearDsl.Runtime.Data;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Cli;

/// <summary>Mean next-token negative log-likelihood of a model over packed sequences (the same measure as the trainer's validation).</summary>
/// <param name="MeanNll">Nats per target token.</param>
/// <param name="Tokens">Target tokens scored.</param>
/// <param name="Sequences">Sequences scored.</param>
public sealed record Perplexity(double MeanNll, long Tokens, int Sequences)
{
    /// <summary>exp(<see cref="MeanNll"/>).</summary>
    public double Value => Math.Exp(MeanNll);

    /// <summary>Scores the first <paramref name="count"/> of <paramref name="sequences"/> in batches; <paramref name="progress"/> hears sequences done.</summary>
    public static Perplexity Measure(CausalLanguageModel model, PackedSequences sequences, int count, int batchSize, Action<int> progress, CancellationToken cancellationToken)
    {
        model.eval();
        using var noGrad = no_grad();
        double nll = 0;
        var indices = new int[batchSize];
        for (int start = 0; start < count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            int rows = Math.Min(batchSize, count - start);
            for (int i = 0; i < rows; i++) indices[i] = start + i;
            var batch = sequences.Batch(indices.AsSpan(0, rows), model.ParameterDevice);
            var logits = model.Forward(batch.narrow(1, 0, sequences.ContextLength));
            nll += LanguageModelLosses.NextTokenSum(logits, batch.narrow(1, 1, sequences.ContextLength)).ToDouble();
            progress(start + rows);
        }
        long tokens = (long)count * sequences.ContextLength;
        return new Perplexity(nll / tokens, tokens, count);
    }
}
