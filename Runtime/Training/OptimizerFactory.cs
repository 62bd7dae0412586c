using LinearDsl.Runtime.Modeling;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Training;

/// <summary>AdamW over a model's trainable parameters and attached LoRA adapters: matrices and embeddings with weight decay, every other parameter without.</summary>
internal static class OptimizerFactory
{
    public static (AdamW Optimizer, IReadOnlyList<Parameter> Parameters) Create(CausalLanguageModel model, TrainingOptions options)
        => Create((nn.Module)model, options, LoraAdapters.AttachedTo(model)?.Parameters);

    /// <summary>The same for any model (an encoder, a seq2seq model); <paramref name="extra"/> are trained like matrices.</summary>
    public static (AdamW Optimizer, IReadOnlyList<Parameter> Parameters) Create(nn.Module model, TrainingOptions options, IEnumerable<Parameter>? extra = null)
    {
        var decayed = new List<Parameter>();
        var plain = new List<Parameter>();
        foreach (var (_, parameter) in model.named_parameters())
        {
            if (!parameter.requires_grad) continue;
            // A caller's dispose scope must not free the wrappers the optimizer keeps.
            parameter.DetachFromDisposeScope();
            (parameter.dim() >= 2 ? decayed : plain).Add(parameter);
        }
        // Attached LoRA adapters live beside the model's modules (so its checkpoints keep their layout) and are trained like matrices.
        if (extra is not null) decayed.AddRange(extra);
        if (decayed.Count + plain.Count == 0) throw new ArgumentException("The model has no trainable parameters.", nameof(model));
        var groups = new List<AdamW.ParamGroup>();
        if (decayed.Count > 0) groups.Add(Group(decayed, options, options.WeightDecay));
        if (plain.Count > 0) groups.Add(Group(plain, options, 0));
        var optimizer = optim.AdamW(groups, options.LearningRate, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay);
        // The moments are created with the optimizer; like the parameters they outlive any caller's scope.
        foreach (var state in optimizer.state_dict().State)
        {
            var moments = (AdamW.State)state;
            moments.exp_avg.DetachFromDisposeScope();
            moments.exp_avg_sq.DetachFromDisposeScope();
            moments.max_exp_avg_sq?.DetachFromDisposeScope();
        }
        return (optimizer, [.. decayed, .. plain]);
    }

    static AdamW.ParamGroup Group(IEnumerable<Parameter> parameters, TrainingOptions options, double weightDecay)
        => new(parameters, options.LearningRate, options.Beta1, options.Beta2, options.Epsilon, weightDecay);
}
