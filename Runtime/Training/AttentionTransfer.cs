using System.Diagnostics;
using LinearDsl.Runtime.Data;
using LinearDsl.Runtime.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Training;

/// <summary>
/// Attention transfer, the first stage of LoLCATs-style linearization: a linearized student learns to reproduce each
/// layer's softmax attention output of its teacher. Both layers read the teacher's hidden state at that layer, so the
/// layers are fitted independently; the loss is the mean over layers of the MSE between the two attention layers'
/// outputs (after the output projection). Only the student's mixer parameters train (alpha, the conv kernel, a
/// learnable feature map such as Hedgehog's); every other weight stays frozen and bit-identical.
/// </summary>
/// <remarks>
/// It lives in LinearDsl.Training beside <see cref="LoraAdapters"/>, the second stage, because it is a training loop
/// over a corpus (the same sampler and optimizer as the <see cref="Trainer"/>), not a checkpoint conversion.
/// </remarks>
public static class AttentionTransfer
{
    /// <summary>Marks a mixer's own parameters in the state-dict keys.</summary>
    const string MixerKey = ".self_attn.mixer.";

    /// <summary>Names of the parameters a transfer trains: those of the student's token mixers.</summary>
    public static IReadOnlyList<string> MixerParameterNames(CausalLanguageModel student)
    {
        ArgumentNullException.ThrowIfNull(student);
        return student.named_parameters().Select(p => p.name).Where(n => n.Contains(MixerKey, StringComparison.Ordinal)).ToArray();
    }

    /// <summary>The transfer loss on <paramref name="tokens"/> [batch, time], without gradients: the mean over layers of the attention-output MSE.</summary>
    /// <exception cref="ArgumentException">The models do not have the same layout.</exception>
    public static double Loss(CausalLanguageModel student, CausalLanguageModel teacher, Tensor tokens)
    {
        Check(student, teacher);
        ArgumentNullException.ThrowIfNull(tokens);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return LayerLoss(student, teacher, tokens).ToDouble();
    }

    /// <summary>
    /// Trains the student's mixer parameters for <see cref="AttentionTransferOptions.Steps"/> steps on batches of
    /// <paramref name="data"/> (each sequence's first context-length tokens), reporting each step to <paramref name="progress"/>.
    /// The trainable flags of the student's parameters are restored afterwards.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid, the models differ in layout, or the student has no mixer parameters.</exception>
    /// <exception cref="InvalidOperationException">The loss became NaN or infinite.</exception>
    /// <exception cref="OperationCanceledException">Cancelled between steps.</exception>
    public static AttentionTransferResult Train(CausalLanguageModel student, CausalLanguageModel teacher, PackedSequences data, AttentionTransferOptions options,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Check(student, teacher);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (data.Count == 0) throw new ArgumentException("Attention transfer needs at least one training sequence.", nameof(data));
        var names = MixerParameterNames(student).ToHashSet(StringComparer.Ordinal);
        if (names.Count == 0)
            throw new ArgumentException("The student's mixers have no parameters (e.g. elu+1 or ReLU linear attention), so attention transfer has nothing to train; skip it for this model.", nameof(student));

        var flags = new List<(Parameter Parameter, bool RequiresGrad)>();
        var trainable = new List<Parameter>();
        foreach (var (name, parameter) in student.named_parameters())
        {
            parameter.DetachFromDisposeScope();
            flags.Add((parameter, parameter.requires_grad));
            bool train = names.Contains(name);
            parameter.requires_grad = train;
            if (train) trainable.Add(parameter);
        }
        try
        {
            return Run(student, teacher, data, options, trainable, progress, cancellationToken);
        }
        finally
        {
            foreach (var (parameter, requiresGrad) in flags) parameter.requires_grad = requiresGrad;
        }
    }

    static AttentionTransferResult Run(CausalLanguageModel student, CausalLanguageModel teacher, PackedSequences data, AttentionTransferOptions options,
        List<Parameter> trainable, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var schedule = new WarmupCosineSchedule(options.LearningRate, options.Steps, 0, options.LearningRate / 10);
        var sampler = new BatchSampler(data.Count, Math.Min(options.BatchSize, data.Count), options.Seed);
        using var optimizer = optim.AdamW(trainable, options.LearningRate, weight_decay: 0);
        // The moments are created with the optimizer; a caller's dispose scope must not free them mid-run.
        foreach (var state in optimizer.state_dict().State)
        {
            var moments = (AdamW.State)state;
            moments.exp_avg.DetachFromDisposeScope();
            moments.exp_avg_sq.DetachFromDisposeScope();
        }
        var losses = new List<double>(options.Steps);
        long tokens = 0;
        teacher.eval();
        student.train();
        for (int step = 0; step < options.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            double rate = schedule.RateAt(step), norm;
            using (var scope = NewDisposeScope())
            {
                foreach (var group in optimizer.ParamGroups) group.LearningRate = rate;
                var batch = data.Batch(sampler.Next(), student.ParameterDevice);
                var inputs = batch.narrow(1, 0, data.ContextLength);
                optimizer.zero_grad();
                var loss = LayerLoss(student, teacher, inputs);
                double value = loss.ToDouble();
                if (!double.IsFinite(value))
                    throw new InvalidOperationException($"The attention-transfer loss became {value} at step {step + 1}; lower the learning rate.");
                loss.backward();
                norm = nn.utils.clip_grad_norm_(trainable, options.GradientClipNorm ?? double.MaxValue);
                optimizer.step();
                losses.Add(value);
                tokens += inputs.shape[0] * inputs.shape[1];
            }
            var elapsed = clock.Elapsed;
            progress?.Report(new TrainingProgress(step + 1, options.Steps, losses[^1], rate, norm, tokens / Math.Max(elapsed.TotalSeconds, 1e-9), elapsed,
                elapsed / (step + 1) * (options.Steps - step - 1), null, null));
        }
        return new AttentionTransferResult(options.Steps, losses, trainable.Sum(p => p.numel()), clock.Elapsed);
    }

    /// <summary>Mean over layers of MSE(student attention, teacher attention), both on the teacher's hidden state; the teacher runs without gradients.</summary>
    static Tensor LayerLoss(CausalLanguageModel student, CausalLanguageModel teacher, Tensor tokens)
    {
        Tensor x;
        using (no_grad()) x = Embed(teacher, tokens);
        Tensor? total = null;
        for (int l = 0; l < teacher.Layers.Count; l++)
        {
            var (t, s) = (teacher.Layers[l], student.Layers[l]);
            Tensor target, next;
            using (no_grad())
            {
                // The block's own arithmetic (DecoderBlock.forward), keeping the attention output it computes on the way.
                target = t.Attention.forward(t.InputNorm.forward(x));
                var h = target.add(x);
                next = t.Mlp.forward(t.PostAttentionNorm.forward(h)).add_(h);
            }
            var output = s.Attention.forward(s.InputNorm.forward(x));
            var mse = nn.functional.mse_loss(output, target);
            total = total is null ? mse : total.add(mse);
            x = next;
        }
        return total!.div(teacher.Layers.Count);
    }

    /// <summary>The input of the first block: token embeddings plus learned positions when the model has a table.</summary>
    static Tensor Embed(CausalLanguageModel model, Tensor tokens)
    {
        var x = model.TokenEmbedding.forward(tokens);
        if (model.PositionEmbedding is not { } table) return x;
        return x.add(table.forward(arange(tokens.shape[1], ScalarType.Int64, tokens.device)));
    }

    static void Check(CausalLanguageModel student, CausalLanguageModel teacher)
    {
        ArgumentNullException.ThrowIfNull(student);
        ArgumentNullException.ThrowIfNull(teacher);
        if (ReferenceEquals(student, teacher)) throw new ArgumentException("The student and the teacher must be two models: the student is the linearized copy of the teacher.", nameof(student));
        if (student.Layers.Count != teacher.Layers.Count || student.Width != teacher.Width || student.VocabSize != teacher.VocabSize)
            throw new ArgumentException($"The student ({student.Layers.Count} layers, width {student.Width}, vocabulary {student.VocabSize}) must have the teacher's layout "
                + $"({teacher.Layers.Count} layers, width {teacher.Width}, vocabulary {teacher.VocabSize}); linearize the teacher to get one.", nameof(student));
    }
}
