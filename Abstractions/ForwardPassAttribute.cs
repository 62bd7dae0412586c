using System;

namespace LinearDsl
{
    /// <summary>
    /// Marks a method written by hand with TorchSharp as the forward pass of a causal layer, so that the LinearDsl
    /// analyzers check it for operations that let a position see later positions (LDSL2101-LDSL2105): a flip or roll
    /// along time, a convolution padded on the right or "same", attention scores without a causal mask, a reduction
    /// over time, an index at t + c. See docs/diagnostics/README.md for exactly what is and is not detected.
    /// </summary>
    /// <remarks>
    /// <para>An encoder layer's forward pass reads the whole sequence by design; mark it
    /// <c>[ForwardPass(Causal = false)]</c> and the checks leave it alone.</para>
    /// <para>A dimension argument counts as time when it is a compile-time constant equal to <see cref="TimeDim"/>, after
    /// a negative value d has been read as d + <see cref="Rank"/>. The defaults describe the hidden states of a
    /// language model, [batch, time, channels]; a mixer that works on [batch, heads, time, head_dim] declares
    /// <c>[ForwardPass(TimeDim = 2, Rank = 4)]</c>.</para>
    /// </remarks>
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
    public sealed class ForwardPassAttribute : Attribute
    {
        /// <summary>The time (sequence) dimension of the method's tensors, counted from 0 or from the end (-1 is the last). Default 1.</summary>
        public int TimeDim { get; set; } = 1;

        /// <summary>The rank of the method's tensors, used to compare negative dimensions with <see cref="TimeDim"/>. Default 3.</summary>
        public int Rank { get; set; } = 3;

        /// <summary>
        /// Whether the method must be causal. Default true: the causality checks run. False marks the forward pass of an
        /// encoder layer, where every position may read every other: the checks (LDSL2101-LDSL2105) skip the method.
        /// </summary>
        public bool Causal { get; set; } = true;
    }
}
