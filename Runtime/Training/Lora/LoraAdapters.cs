using System.Runtime.CompilerServices;
using LinearDsl.Runtime.Fused;
using LinearDsl.Runtime.Modeling;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Training;

/// <summary>
/// Low-rank adapters (LoRA) on a model's projections. Attaching freezes every weight of the model and adds a trainable
/// pair A, B beside each targeted projection; a <see cref="Trainer"/> on the model then trains the adapters alone.
/// Afterwards <see cref="Merge"/> folds them into the weights (W += Alpha / Rank x B A), or <see cref="Save"/> keeps them
/// in a folder of their own for <see cref="Load"/>. Disposing removes unmerged adapters and leaves the model as it was.
/// </summary>
/// <remarks>
/// While adapters are attached the model decodes through its modules: the fused decode program reads the weights
/// directly and would not see them, so it is detached until the adapters are merged or removed.
/// </remarks>
public sealed class LoraAdapters : IDisposable
{
    static readonly ConditionalWeakTable<CausalLanguageModel, LoraAdapters> Attached = new();

    readonly CausalLanguageModel _model;
    readonly List<LoraAdapter> _adapters;
    readonly List<(Parameter Parameter, bool RequiresGrad)> _frozen;
    readonly FusedDecodeProgram? _program;
    bool _detached;

    LoraAdapters(CausalLanguageModel model, LoraOptions options, List<LoraAdapter> adapters, List<(Parameter, bool)> frozen, FusedDecodeProgram? program)
    {
        _model = model;
        Options = options;
        _adapters = adapters;
        _frozen = frozen;
        _program = program;
    }

    /// <summary>The settings the adapters were made with.</summary>
    public LoraOptions Options { get; }

    /// <summary>Names of the adapted projections (e.g. model.layers.0.self_attn.qkv_proj), in model order.</summary>
    public IReadOnlyList<string> Projections => _adapters.ConvertAll(a => a.Name);

    /// <summary>Values in all A and B matrices: what a trainer updates.</summary>
    public long TrainableParameters => _adapters.Sum(a => a.A.numel() + a.B.numel());

    /// <summary>The adapters' parameters, A then B per projection.</summary>
    internal IEnumerable<Parameter> Parameters => _adapters.SelectMany(a => new[] { a.A, a.B });

    /// <summary>The adapters attached to <paramref name="model"/> and not yet merged or removed, if any.</summary>
    internal static LoraAdapters? AttachedTo(CausalLanguageModel model) => Attached.TryGetValue(model, out var adapters) ? adapters : null;

    /// <summary>Freezes <paramref name="model"/> and attaches new adapters (B = 0, so the model's function is unchanged).</summary>
    /// <exception cref="ArgumentException">The options are invalid, or the head is targeted but tied to the embedding.</exception>
    /// <exception cref="InvalidOperationException">The model already has adapters.</exception>
    public static LoraAdapters Attach(CausalLanguageModel model, LoraOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var generator = new Generator(options.Seed);
        return Create(model, options, (name, projection) =>
        {
            long output = projection.weight!.shape[0], input = projection.weight!.shape[1];
            // Kaiming-uniform bound of PyTorch's Linear for A; B starts at zero so the adapter adds nothing yet.
            double bound = 1 / Math.Sqrt(input);
            var a = rand([options.Rank, input], ScalarType.Float64, generator: generator).mul_(2 * bound).sub_(bound);
            var b = zeros([output, options.Rank], ScalarType.Float64);
            return (a, b);
        });
    }

    /// <summary>Freezes <paramref name="model"/> and attaches the adapters saved in <paramref name="directory"/>.</summary>
    /// <exception cref="FileNotFoundException">A file of the folder is missing.</exception>
    /// <exception cref="InvalidDataException">The folder's adapters do not fit the model (the message names the difference).</exception>
    /// <exception cref="InvalidOperationException">The model already has adapters.</exception>
    public static LoraAdapters Load(CausalLanguageModel model, string directory)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var (options, tensors) = LoraAdapterFile.Read(directory);
        try
        {
            var expected = Targets(model, options.Targets).Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
            var stored = tensors.Keys.Select(LoraAdapterFile.ProjectionOf).ToHashSet(StringComparer.Ordinal);
            if (!expected.SetEquals(stored))
                throw new InvalidDataException($"The adapters in '{directory}' are for projections {string.Join(", ", stored.Order())}, but this model's targets {options.Targets} are {string.Join(", ", expected.Order())}.");
            return Create(model, options, (name, projection) =>
            {
                var a = tensors[LoraAdapterFile.KeyOfA(name)];
                var b = tensors[LoraAdapterFile.KeyOfB(name)];
                long output = projection.weight!.shape[0], input = projection.weight!.shape[1];
                if (a.shape is not [var ar, var ai] || ar != options.Rank || ai != input || b.shape is not [var bo, var br] || bo != output || br != options.Rank)
                    throw new InvalidDataException($"The adapter of {name} in '{directory}' has A [{string.Join(", ", a.shape)}] and B [{string.Join(", ", b.shape)}]; this model needs A [{options.Rank}, {input}] and B [{output}, {options.Rank}].");
                return (a.alias(), b.alias());
            });
        }
        finally
        {
            foreach (var tensor in tensors.Values) tensor.Dispose();
        }
    }

    /// <summary>Writes adapter_config.json and adapters.safetensors into <paramref name="directory"/> (created if needed); each file is written whole or not at all.</summary>
    public void Save(string directory)
    {
        ObjectDisposedException.ThrowIf(_detached, this);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        LoraAdapterFile.Write(directory, Options, _adapters);
    }

    /// <summary>Adds each adapter's B A into its projection's weight, removes the adapters and unfreezes the model.</summary>
    public void Merge()
    {
        ObjectDisposedException.ThrowIf(_detached, this);
        foreach (var adapter in _adapters) adapter.MergeIntoWeight();
        Detach();
    }

    /// <summary>Removes adapters that were not merged, leaving the weights as they were, and unfreezes the model.</summary>
    public void Dispose()
    {
        if (!_detached) Detach();
    }

    void Detach()
    {
        _detached = true;
        foreach (var adapter in _adapters) adapter.Dispose();
        foreach (var (parameter, requiresGrad) in _frozen)
        {
            parameter.requires_grad = requiresGrad;
        }
        _model.UseDecodeProgram(_program);
        Attached.Remove(_model);
    }

    static LoraAdapters Create(CausalLanguageModel model, LoraOptions options, Func<string, Linear, (Tensor A, Tensor B)> initial)
    {
        if (AttachedTo(model) is not null)
            throw new InvalidOperationException("The model already has LoRA adapters; merge or dispose them before attaching others.");
        var targets = Targets(model, options.Targets);
        var adapters = new List<LoraAdapter>();
        var frozen = new List<(Parameter, bool)>();
        try
        {
            foreach (var (name, projection) in targets)
            {
                // Linear's weight is its own Parameter (not a fresh wrapper): it must not be disposed here.
                var weight = projection.weight!;
                using var scope = NewDisposeScope();
                var (a, b) = initial(name, projection);
                using (a)
                using (b)
                {
                    var pa = new Parameter(a.to(weight.dtype, weight.device).detach(), requires_grad: true);
                    var pb = new Parameter(b.to(weight.dtype, weight.device).detach(), requires_grad: true);
                    // The parameters live as long as the adapters, not as long as a caller's dispose scope.
                    pa.DetachFromDisposeScope();
                    pb.DetachFromDisposeScope();
                    adapters.Add(new LoraAdapter(name, projection, pa, pb, options.Scale));
                }
            }
            foreach (var parameter in model.parameters())
            {
                parameter.DetachFromDisposeScope();
                frozen.Add((parameter, parameter.requires_grad));
                parameter.requires_grad = false;
            }
        }
        catch
        {
            foreach (var adapter in adapters) adapter.Dispose();
            foreach (var (parameter, requiresGrad) in frozen) parameter.requires_grad = requiresGrad;
            throw;
        }
        var result = new LoraAdapters(model, options, adapters, frozen, model.DecodeProgram);
        model.UseDecodeProgram(null);
        Attached.Add(model, result);
        return result;
    }

    /// <summary>The projections <paramref name="targets"/> selects, with their names, in model order.</summary>
    static List<(string Name, Linear Projection)> Targets(CausalLanguageModel model, LoraTargets targets)
    {
        if (targets.HasFlag(LoraTargets.Head) && model.OutputHead is null)
            throw new ArgumentException("The output head is tied to the token embedding, so an adapter on it would change the embedding too; leave LoraTargets.Head out for this model.");
        var selected = new List<(string, Linear)>();
        for (int i = 0; i < model.Layers.Count; i++)
        {
            var block = model.Layers[i];
            string layer = $"model.layers.{i}";
            if (targets.HasFlag(LoraTargets.Qkv)) selected.Add(($"{layer}.self_attn.qkv_proj", block.Attention.QkvProjection));
            if (targets.HasFlag(LoraTargets.Output)) selected.Add(($"{layer}.self_attn.o_proj", block.Attention.OutputProjection));
            switch (block.Mlp)
            {
                case SwiGluMlp swiGlu:
                    if (targets.HasFlag(LoraTargets.MlpIn))
                    {
                        selected.Add(($"{layer}.mlp.gate_proj", swiGlu.GateProjection));
                        selected.Add(($"{layer}.mlp.up_proj", swiGlu.UpProjection));
                    }
                    if (targets.HasFlag(LoraTargets.MlpOut)) selected.Add(($"{layer}.mlp.down_proj", swiGlu.DownProjection));
                    break;
                case GeluMlp gelu:
                    if (targets.HasFlag(LoraTargets.MlpIn)) selected.Add(($"{layer}.mlp.c_fc", gelu.InputProjection));
                    if (targets.HasFlag(LoraTargets.MlpOut)) selected.Add(($"{layer}.mlp.c_proj", gelu.OutputProjection));
                    break;
                default:
                    if (targets.HasFlag(LoraTargets.MlpIn) || targets.HasFlag(LoraTargets.MlpOut))
                        throw new ArgumentException($"LoRA has no rule for the MLP {block.Mlp.GetType().Name}; target the attention projections only.");
                    break;
            }
        }
        if (targets.HasFlag(LoraTargets.Head)) selected.Add(("lm_head", model.OutputHead!));
        return selected;
    }
}
