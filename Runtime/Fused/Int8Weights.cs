using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LinearDsl.Runtime.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Fused;

/// <summary>
/// A model's int8 projection weights (<see cref="Int8Matrix"/>): every decoder block's attention and MLP
/// projections and the output head when it is not tied to the embedding; embeddings, norms and mixer parameters
/// stay float. The model's own float parameters hold the dequantized values d q, so the modules describe the same
/// weights. <see cref="FusedFrame{T}"/> finds a projection's int8 form by the address of its float weight.
/// </summary>
internal sealed class Int8Weights
{
    readonly Dictionary<string, Int8Matrix> _byKey;
    readonly (TorchSharp.Modules.Linear Module, Int8Matrix Matrix)[] _modules;
    Binding _binding = new(0, new Dictionary<nint, Int8Matrix>());

    Int8Weights(Dictionary<string, Int8Matrix> byKey, (TorchSharp.Modules.Linear, Int8Matrix)[] modules)
    {
        _byKey = byKey;
        _modules = modules;
    }

    /// <summary>The int8 weights by the model's state-dict key of the float weight they replace.</summary>
    public IReadOnlyDictionary<string, Int8Matrix> ByKey => _byKey;

    /// <summary>Quantizes <paramref name="model"/>'s projections and writes the dequantized values into its float weights.</summary>
    public static Int8Weights Quantize(CausalLanguageModel model)
    {
        var matrices = new Dictionary<string, Int8Matrix>(StringComparer.Ordinal);
        foreach (var (key, module) in Projections(model))
        {
            var weight = module.weight!;
            var matrix = weight.dtype == ScalarType.Float64
                ? Int8Matrix.Quantize<double>(TensorMemory.Span<double>(weight), (int)weight.shape[0], (int)weight.shape[1])
                : Int8Matrix.Quantize<float>(TensorMemory.Span<float>(weight), (int)weight.shape[0], (int)weight.shape[1]);
            matrices[key] = matrix;
        }
        return Attach(model, matrices);
    }

    /// <summary>The int8 weights read from a checkpoint (one per projection key); writes their dequantized values into the model.</summary>
    public static Int8Weights Attach(CausalLanguageModel model, Dictionary<string, Int8Matrix> matrices)
    {
        var projections = Projections(model);
        var missing = projections.Select(p => p.Key).Where(k => !matrices.ContainsKey(k)).ToList();
        var unexpected = matrices.Keys.Except(projections.Select(p => p.Key)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new ArgumentException($"The int8 weights do not fit the model: missing {Names(missing)}; unexpected {Names(unexpected)}.");
        foreach (var (key, module) in projections)
        {
            var weight = module.weight!;
            var matrix = matrices[key];
            if (matrix.Outputs != weight.shape[0] || matrix.Inputs != weight.shape[1])
                throw new ArgumentException($"The int8 weight '{key}' is [{matrix.Outputs}, {matrix.Inputs}], but the model's is [{weight.shape[0]}, {weight.shape[1]}].");
            if (weight.dtype == ScalarType.Float64) matrix.Dequantize(TensorMemory.Span<double>(weight));
            else matrix.Dequantize(TensorMemory.Span<float>(weight));
        }
        return new Int8Weights(matrices, projections.Select(p => (p.Module, matrices[p.Key])).ToArray());
    }

    /// <summary>The model's quantized projections: (state-dict key of the weight, module) in state-dict order.</summary>
    public static List<(string Key, TorchSharp.Modules.Linear Module)> Projections(CausalLanguageModel model)
    {
        if (model.ParameterDevice.type != DeviceType.CPU || model.ParameterDtype is not (ScalarType.Float32 or ScalarType.Float64))
            throw new NotSupportedException($"int8 weights run in the CPU decode program of float32 and float64 models; this model is {model.ParameterDtype} on {model.ParameterDevice}. Load it on the CPU in float32.");
        var modules = new List<TorchSharp.Modules.Linear>();
        foreach (var block in model.Layers)
        {
            modules.Add(block.Attention.QkvProjection);
            modules.Add(block.Attention.OutputProjection);
            switch (block.Mlp)
            {
                case SwiGluMlp swiGlu:
                    modules.AddRange([swiGlu.GateProjection, swiGlu.UpProjection, swiGlu.DownProjection]);
                    break;
                case GeluMlp gelu:
                    modules.AddRange([gelu.InputProjection, gelu.OutputProjection]);
                    break;
                default:
                    throw new NotSupportedException($"int8 weights have no rule for the MLP {block.Mlp.GetType().Name}.");
            }
        }
        if (model.OutputHead is { } head) modules.Add(head);
        var wanted = modules.ToDictionary(m => Address(m.weight!));
        var result = new List<(string, TorchSharp.Modules.Linear)>();
        // Keys by address: the state dict names the same memory the modules hold.
        foreach (var (key, tensor) in model.state_dict())
        {
            if (tensor.dim() == 2 && wanted.Remove(Address(tensor), out var module)) result.Add((key, module));
        }
        if (wanted.Count > 0) throw new InvalidOperationException($"{wanted.Count} projection weights are missing from the model's state dict.");
        return result;
    }

    /// <summary>Refreshes the address map when the model's weights moved (a dtype conversion, say); cheap when they did not.</summary>
    public void Bind(CausalLanguageModel model)
    {
        nint anchor = Address(model.Layers[0].Attention.QkvProjection.weight!);
        if (Volatile.Read(ref _binding).Anchor == anchor) return;
        // The modules, not the state dict: each Linear hands out its own weight, while state_dict() wraps some tensors anew.
        var byAddress = new Dictionary<nint, Int8Matrix>();
        foreach (var (module, matrix) in _modules)
        {
            var weight = module.weight!;
            if (weight.device_type == DeviceType.CPU) byAddress[Address(weight)] = matrix;
        }
        Volatile.Write(ref _binding, new Binding(anchor, byAddress));
    }

    /// <summary>The int8 form of the float weight whose memory <paramref name="weight"/> is, or null.</summary>
    public Int8Matrix? Find<T>(ReadOnlySpan<T> weight) where T : unmanaged, IFloatingPointIeee754<T>
    {
        nint address = Address(weight);
        return Volatile.Read(ref _binding).ByAddress.TryGetValue(address, out var matrix) && (long)matrix.Outputs * matrix.Inputs == weight.Length ? matrix : null;
    }

    static unsafe nint Address<T>(ReadOnlySpan<T> span) where T : unmanaged => (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span));

    static unsafe nint Address(Tensor tensor) => (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(tensor.bytes));

    static string Names(List<string> keys) => keys.Count == 0 ? "none" : string.Join(", ", keys);

    sealed record Binding(nint Anchor, Dictionary<nint, Int8Matrix> ByAddress);
}
