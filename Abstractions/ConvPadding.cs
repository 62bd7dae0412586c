// Also linked into the generator and the analyzers (LINEARDSL_ROSLYN), whose shared mixer options use it.
#if LINEARDSL_ROSLYN
namespace LinearDsl.Kinds
#else
namespace LinearDsl
#endif
{
    /// <summary>
    /// Where the K taps of the depthwise convolution of <c>[LinearAttention]</c> sit in time. Output t is
    /// sum over j = 0..K-1 of w[j] * v[t - j + s], with the shift s below (values outside the sequence are zero).
    /// Only <see cref="Causal"/> suits a causal language model or a decoder; the others read later tokens, which an
    /// encoder may (<see cref="Centered"/> is its bidirectional conv) and which in a decoder is the information
    /// leakage of docs/method.md, "Causality" (analyzer LDSL2001 reports them there). The runtime's
    /// AugmentedLinearAttentionOptions.ConvPadding takes the same values.
    /// </summary>
    public enum ConvPadding
    {
        /// <summary>s = 0: the current token and the K - 1 before it (padding on the left only). The default.</summary>
        Causal = 0,

        /// <summary>
        /// s = (K - 1) / 2: a centred kernel, (K - 1) / 2 taps on future tokens. With K = 63 it is the 63-tap centred
        /// kernel of the paper's code with its 31 future taps left unmasked.
        /// </summary>
        Centered = 1,

        /// <summary>s = K - 1: the current token and the K - 1 after it (padding on the right only); sees only the future.</summary>
        Right = 2,
    }
}
