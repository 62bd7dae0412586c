using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Mixers;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

public sealed partial class DecoderBlock
{
    /// <summary>Outputs for candidate trees [batch, nodes, width]: the norms and the MLP act per token, the mixer per tree.</summary>
    internal VerifyResult VerifyTree(Tensor x, MixerState state, TreeLayout layout)
    {
        using var scope = NewDisposeScope();
        var result = self_attn.VerifyTree(input_layernorm.forward(x), state, layout);
        try
        {
            var output = FeedForward(result.Output.add_(x));
            return result with { Output = output.MoveToOuterDisposeScope() };
        }
        catch
        {
            result.Pending.Dispose();
            throw;
        }
    }
}
