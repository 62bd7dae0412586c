namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// Where the K taps of the depthwise convolution of <see cref="AugmentedLinearAttention"/> sit in time:
/// out_t = sum over j = 0..K-1 of w[j] * v[t - j + s] with the shift s below (values outside the sequence are zero).
/// Only <see cref="Causal"/> is a language model; the others read later tokens and exist to demonstrate the
/// information leakage of docs/method.md, "Causality".
/// </summary>
public enum ConvPaddingKind
{
    /// <summary>s = 0: the current token and the K - 1 before it. The default.</summary>
    Causal = 0,

    /// <summary>s = (K - 1) / 2: a centred kernel (the paper's 63-tap kernel without its mask has 31 future taps).</summary>
    Centered = 1,

    /// <summary>s = K - 1: the current token and the K - 1 after it; sees only the future.</summary>
    Right = 2,
}
