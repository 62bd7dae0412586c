// Also linked into the generator and the analyzers (LINEARDSL_ROSLYN), whose shared mixer options use it.
#if LINEARDSL_ROSLYN
namespace LinearDsl.Kinds
#else
namespace LinearDsl
#endif
{
    /// <summary>
    /// Feature maps of <c>[LinearAttention]</c>, and of the runtime's plain linear attention
    /// (LinearAttentionOptions.FeatureMap, every member but <see cref="L2"/>), so both name a map the same way.
    /// </summary>
    public enum LinearFeatureMap
    {
        /// <summary>
        /// q / ||q|| and k / ||k|| (per head, after RoPE): the augmented linear attention of the paper, with local
        /// ReLU² attention inside groups, the grouped global term and the causal depthwise conv. No denominator.
        /// </summary>
        L2 = 0,

        /// <summary>elu(x) + 1 (Katharopoulos et al., "Transformers are RNNs").</summary>
        EluPlusOne = 1,

        /// <summary>relu(x).</summary>
        Relu = 2,

        /// <summary>Performer / FAVOR+ positive random features (seeded).</summary>
        Performer = 3,

        /// <summary>Hedgehog: learnable softmax([xW, -xW]).</summary>
        Hedgehog = 4,

        /// <summary>T2R: learnable relu(xW + b).</summary>
        T2R = 5,
    }
}
