using LinearDsl.Runtime.Data;
using LinearDsl.Runtime.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Training;

/// <summary>
/// Trains a model's Medusa heads with its backbone frozen (Medusa-1): the model writes greedy continuations of corpus
/// prompts, and head i learns, from the final hidden state at each position, the greedy token i + 2 positions ahead
/// (cross-entropy through the model's shared output head). Only the heads' parameters change; prompts and batches
/// follow the seed.
/// </summary>
public static class MedusaTraining
{
    /// <summary>
    /// A copy of <paramref name="backbone"/> (built from its config, in its dtype, on its device) with new
    /// <paramref name="spec"/> heads at zero weights, so that every head starts as the model's next-token head. Heads
    /// the backbone already has are replaced.
    /// </summary>
    /// <exception cref="ArgumentException">The backbone has no config, or has int8 weights.</exception>
    public static CausalLanguageModel WithHeads(CausalLanguageModel backbone, MedusaSpec spec)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(spec);
        var config = backbone.Config ?? throw new ArgumentException("The model carries no ModelConfig (it was assembled by hand); heads are added to a model built from a config.", nameof(backbone));
        if (backbone.HasInt8Weights) throw new ArgumentException("The model has int8 weights; train heads on its float checkpoint (the heads stay float either way).", nameof(backbone));
        var model = ModelFactory.Create(config with { MedusaHeads = spec }, dtype: backbone.ParameterDtype, device: backbone.ParameterDevice);
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var source = backbone.state_dict();
            foreach (var (key, target) in model.state_dict())
            {
                if (!IsHead(key)) target.copy_(source[key]);
            }
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }

    /// <summary>Whether a state-dict key belongs to the Medusa heads.</summary>
    public static bool IsHead(string key) => key.StartsWith("medusa.", StringComparison.Ordinal);

    /// <summary>
    /// Writes the continuations (train prompts from the corpus's first nine tenths, validation prompts from its last
    /// tenth), trains the heads of <paramref name="model"/>, and measures each head's accuracy on the validation
    /// continuations before and after.
    /// </summary>
    /// <exception cref="ArgumentException">Invalid options, no heads, a corpus too short, or a vocabulary mismatch.</exception>
    /// <exception cref="InvalidOperationException">The loss became NaN or infinite.</exception>
    public static MedusaTrainingResult Train(CausalLanguageModel model, TokenCorpus corpus, MedusaTrainingOptions options,
        IProgress<MedusaTrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(options);
        Check(model, corpus, options);
        var heads = model.Medusa!;
        int split = corpus.Count - corpus.Count / 10;
        int total = options.TrainSequences + options.ValidationSequences;
        using var train = MedusaContinuations.Write(model, corpus, 0, split, options.TrainSequences, options, options.Seed,
            done => { cancellationToken.ThrowIfCancellationRequested(); progress?.Report(new MedusaTrainingProgress("generating", done, total, double.NaN)); });
        using var validation = MedusaContinuations.Write(model, corpus, split, corpus.Count, options.ValidationSequences, options, options.Seed + 1,
            done => progress?.Report(new MedusaTrainingProgress("generating", options.TrainSequences + done, total, double.NaN)));
        var initial = Accuracy(model, validation, k: 1);

        // Freeze the backbone: only the heads carry gradients, so only they reach the optimizer.
        var frozen = new List<Parameter>();
        foreach (var (key, parameter) in model.named_parameters())
        {
            if (IsHead(key) || !parameter.requires_grad) continue;
            parameter.requires_grad = false;
            frozen.Add(parameter);
        }
        var losses = new List<double>(options.Steps);
        try
        {
            var training = new TrainingOptions
            {
                Steps = options.Steps,
                BatchSize = options.BatchSize,
                Seed = options.Seed,
                LearningRate = options.LearningRate,
                MinLearningRate = options.LearningRate / 10,
                WarmupSteps = options.WarmupSteps,
                WeightDecay = 0,
            };
            var (optimizer, parameters) = OptimizerFactory.Create(model, training);
            using (optimizer)
            {
                var schedule = training.Schedule();
                var order = new SplitMix64(options.Seed + 2);
                for (int step = 0; step < options.Steps; step++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    foreach (var group in optimizer.ParamGroups) group.LearningRate = schedule.RateAt(step);
                    var rows = new long[options.BatchSize];
                    for (int b = 0; b < rows.Length; b++) rows[b] = order.NextBelow((int)train.Count);
                    var index = tensor(rows);
                    model.train();
                    optimizer.zero_grad();
                    var loss = Loss(model, train.Hidden.index_select(0, index), train.Tokens.index_select(0, index), heads.Count);
                    double value = loss.ToDouble();
                    if (!double.IsFinite(value))
                        throw new InvalidOperationException($"The heads' training loss became {value} at step {step + 1}; lower the learning rate.");
                    loss.backward();
                    nn.utils.clip_grad_norm_(parameters, 1.0);
                    optimizer.step();
                    losses.Add(value);
                    progress?.Report(new MedusaTrainingProgress("training", step + 1, options.Steps, value));
                }
            }
        }
        finally
        {
            foreach (var parameter in frozen) parameter.requires_grad = true;
            model.eval();
        }
        return new MedusaTrainingResult(losses, Accuracy(model, validation, k: 1), Accuracy(model, validation, k: 5), initial,
            options.TrainSequences, options.ValidationSequences);
    }

    /// <summary>Sum over heads of head i's mean cross-entropy against the greedy token i + 1 after each position's own.</summary>
    static Tensor Loss(CausalLanguageModel model, Tensor hidden, Tensor tokens, int heads)
    {
        using var scope = NewDisposeScope();
        var logits = model.MedusaLogits(hidden);
        long length = tokens.shape[1];
        Tensor? total = null;
        for (int i = 0; i < heads; i++)
        {
            long positions = length - 1 - i;
            if (positions <= 0) break;
            var loss = LanguageModelLosses.NextToken(logits[i].narrow(1, 0, positions), tokens.narrow(1, 1 + i, positions));
            total = total is null ? loss : total.add(loss);
        }
        return total!.MoveToOuterDisposeScope();
    }

    /// <summary>Per head: the share of positions whose greedy token i + 1 ahead is among the head's k most likely.</summary>
    static double[] Accuracy(CausalLanguageModel model, MedusaContinuations data, int k)
    {
        var heads = model.Medusa!.Count;
        var hits = new long[heads];
        var counts = new long[heads];
        model.eval();
        using var noGrad = no_grad();
        for (long start = 0; start < data.Count; start += 16)
        {
            using var scope = NewDisposeScope();
            long rows = Math.Min(16, data.Count - start);
            var logits = model.MedusaLogits(data.Hidden.narrow(0, start, rows));
            var tokens = data.Tokens.narrow(0, start, rows);
            long length = tokens.shape[1];
            for (int i = 0; i < heads; i++)
            {
                long positions = length - 1 - i;
                if (positions <= 0) continue;
                var top = logits[i].narrow(1, 0, positions).topk(Math.Min(k, model.VocabSize), dim: -1).indexes;
                var target = tokens.narrow(1, 1 + i, positions).unsqueeze(-1);
                hits[i] += top.eq(target).any(-1).sum().ToInt64();
                counts[i] += rows * positions;
            }
        }
        return Enumerable.Range(0, heads).Select(i => counts[i] == 0 ? 0 : (double)hits[i] / counts[i]).ToArray();
    }

    static void Check(CausalLanguageModel model, TokenCorpus corpus, MedusaTrainingOptions options)
    {
        var problems = options.Problems().ToList();
        if (model.Medusa is null) problems.Add("the model has no Medusa heads; add them with MedusaTraining.WithHeads first.");
        if (corpus.VocabSize > model.VocabSize) problems.Add($"the corpus's tokenizer has {corpus.VocabSize} token ids, but the model only {model.VocabSize}.");
        // Both splits need room for a prompt; the last tenth holds the validation prompts.
        if (corpus.Count / 10 < options.PromptLength + 1)
            problems.Add($"the corpus has {corpus.Count} tokens; its last tenth must hold a prompt of {options.PromptLength} tokens, so give at least {10 * (options.PromptLength + 1)} tokens.");
        if (model.PositionTableLength is long positions && options.PromptLength + options.ContinuationLength > positions)
            problems.Add($"prompt ({options.PromptLength}) plus continuation ({options.ContinuationLength}) exceed the model's {positions} learned positions.");
        if (problems.Count > 0) throw new ArgumentException("Cannot train Medusa heads: " + string.Join(" ", problems));
    }
}
