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
    Binding _binding = new(0, new Dictionary<nint, Int8Matrix>());

    Int8Weights(Dictionary<string, Int8Matrix> byKey) => _byKey = byKey;

    /// <summary>The int8 weights by the model's state-dict key of the float weight they replace.</summary>
    public IReadOnlyDictionary<string, Int8Matrix> ByKey => _byKey;

    /// <summary>Quantizes <paramref name="model"/>'s projections and writes the dequantized values into its float weights.</summary>
    public static Int8Weights Quantize(CausalLanguageModel model)
    {
        var matrices = new Dictionary<string, Int8Matrix>(StringComparer.Ordinal);
        foreach (var (key, weight) in Projections(model))
        {
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
        foreach (var (key, weight) in projections)
        {
            var matrix = matrices[key];
            if (matrix.Outputs != weight.shape[0] || matrix.Inputs != weight.shape[1])
                throw new ArgumentException($"The int8 weight '{key}' is [{matrix.Outputs}, {matrix.Inputs}], but the model's is [{weight.shape[0]}, {weight.shape[1]}].");
            if (weight.dtype == ScalarType.Float64) matrix.Dequantize(TensorMemory.Span<double>(weight));
            else matrix.Dequantize(TensorMemory.Span<float>(weight));
        }
        return new Int8Weights(matrices);
    }

    /// <summary>The model's quantized projections: (state-dict key, float weight [outputs, inputs]) in state-dict order.</summary>
    public static List<(string Key, Tensor Weight)> Projections(CausalLanguageModel model)
    {
        if (model.ParameterDevice.type != DeviceType.CPU || model.ParameterDtype is not (ScalarType.Float32 or ScalarType.Float64))
            throw new NotSupportedException($"int8 weights run in the CPU decode program of float32 and float64 models; this model is {model.ParameterDtype} on {model.ParameterDevice}. Load it on the CPU in float32.");
        var wanted = new HashSet<nint>();
        foreach (var block in model.Layers)
        {
            wanted.Add(Address(block.Attention.QkvProjection.weight!));
            wanted.Add(Address(block.Attention.OutputProjection.weight!));
            switch (block.Mlp)
            {
                case SwiGluMlp swiGlu:
                    wanted.Add(Address(swiGlu.GateProjection.weight!));
                    wanted.Add(Address(swiGlu.UpProjection.weight!));
                    wanted.Add(Address(swiGlu.DownProjection.weight!));
                    break;
                case GeluMlp gelu:
                    wanted.Add(Address(gelu.InputProjection.weight!));
                    wanted.Add(Address(gelu.OutputProjection.weight!));
                    break;
                default:
                    throw new NotSupportedException($"int8 weights have no rule for the MLP {block.Mlp.GetType().Name}.");
            }
        }
        if (model.OutputHead is { } head) wanted.Add(Address(head.weight!));
        var result = new List<(string, Tensor)>();
        foreach (var (key, tensor) in model.state_dict())
        {
            if (tensor.dim() == 2 && wanted.Remove(Address(tensor))) result.Add((key, tensor));
        }
        if (wanted.Count > 0) throw new InvalidOperationException($"{wanted.Count} projection weights are missing from the model's state dict.");
        return result;
    }

    /// <summary>Refreshes the address map when the model's weights moved (a dtype conversion, say); cheap when they did not.</summary>
    public void Bind(CausalLanguageModel model)
    {
        nint anchor = Address(model.Layers[0].Attention.QkvProjection.weight!);
        if (Volatile.Read(ref _binding).Anchor == anchor) return;
        var byAddress = new Dictionary<nint, Int8Matrix>();
        foreach (var (key, tensor) in model.state_dict())
        {
            if (_byKey.TryGetValue(key, out var matrix) && tensor.device_type == DeviceType.CPU) byAddress[Address(tensor)] = matrix;
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
