using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Mixers;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Layers;

public sealed partial class AttentionLayer
{
    /// <summary>Outputs for candidate trees [batch, nodes, model_dim] (see <see cref="TokenMixer.VerifyTree"/>); the state is read, never written.</summary>
    internal VerifyResult VerifyTree(Tensor x, MixerState state, TreeLayout layout)
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Project(x);
        var result = mixer.VerifyLaidOutTree(q, k, v, state, layout);
        return result with { Output = Output(result.Output).MoveToOuterDisposeScope() };
    }
}
