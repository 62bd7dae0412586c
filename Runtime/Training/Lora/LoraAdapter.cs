using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Training;

/// <summary>
/// One projection's adapter: A [rank, in] and B [out, rank] beside a frozen <see cref="Linear"/>, whose output a forward
/// hook raises by scale x A^T B^T. The hook runs when the model calls the projection with <c>call</c> (every path
/// through the modules does).
/// </summary>
internal sealed class LoraAdapter : IDisposable
{
    readonly Linear _projection;
    readonly double _scale;
    readonly nn.Module<Tensor, Tensor>.HookRemover _hook;

    public LoraAdapter(string name, Linear projection, Parameter a, Parameter b, double scale)
    {
        Name = name;
        _projection = projection;
        A = a;
        B = b;
        _scale = scale;
        _hook = projection.register_forward_hook((_, input, output) => output.add(input.matmul(A.t()).matmul(B.t()).mul(_scale)));
    }

    /// <summary>The projection's name, e.g. model.layers.0.self_attn.qkv_proj.</summary>
    public string Name { get; }

    /// <summary>The down projection [rank, in].</summary>
    public Parameter A { get; }

    /// <summary>The up projection [out, rank].</summary>
    public Parameter B { get; }

    /// <summary>W += scale B A, in place and without gradient.</summary>
    public void MergeIntoWeight()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        _projection.weight!.add_(B.matmul(A).mul(_scale));
    }

    /// <summary>Removes the hook and frees A and B.</summary>
    public void Dispose()
    {
        _hook.remove();
        A.Dispose();
        B.Dispose();
    }
}
