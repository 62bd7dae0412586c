namespace LinearDsl.Analyzers
{
    /// <summary>
    /// The IDs of the LinearDsl analyzers (LDSL2xxx; the generator owns LDSL1xxx). Code fixes refer to these constants.
    /// LDSL20xx: a mixer declared with a non-causal setting in a decoder, or a causal-only one in an encoder (by the stack's role). LDSL21xx: a hand-written [ForwardPass] method that
    /// lets a position read later positions. Each ID has a page docs/diagnostics/ID.md.
    /// </summary>
    public static class DiagnosticIds
    {
        /// <summary>[LinearAttention] ConvPadding other than Causal: the conv reads later tokens.</summary>
        public const string ConvPadding = "LDSL2001";

        /// <summary>[LinearAttention] CausalLocal = false: local attention reads the later tokens of a group.</summary>
        public const string CausalLocal = "LDSL2002";

        /// <summary>[LinearAttention] InclusiveGlobalPrefix = true: the global term includes the query's own group.</summary>
        public const string InclusiveGlobalPrefix = "LDSL2003";

        /// <summary>[SoftmaxAttention] Bidirectional = true: attention without the causal mask.</summary>
        public const string Bidirectional = "LDSL2004";

        /// <summary>A causal-only setting (or kind) in an encoder stack: it hides the context after each token (info).</summary>
        public const string CausalInEncoder = "LDSL2010";

        /// <summary>[LinearAttention] Bidirectional = true in a decoder stack: every token reads the whole sequence.</summary>
        public const string LinearBidirectional = "LDSL2011";

        /// <summary>[Mixer&lt;T&gt;] in a decoder stack whose ParallelCore is marked [ForwardPass(Causal = false)].</summary>
        public const string NonCausalCustomMixer = "LDSL2012";

        /// <summary>[ForwardPass] TimeDim or Rank cannot describe a tensor.</summary>
        public const string InvalidForwardPass = "LDSL2100";

        /// <summary>A flip or roll along the time dimension.</summary>
        public const string TimeReversed = "LDSL2101";

        /// <summary>A convolution over time padded on the right, or centred ("same").</summary>
        public const string ConvSeesFuture = "LDSL2102";

        /// <summary>Attention scores normalised without a causal mask.</summary>
        public const string UnmaskedAttention = "LDSL2103";

        /// <summary>A reduction or normalisation over the whole time dimension.</summary>
        public const string ReductionOverTime = "LDSL2104";

        /// <summary>An index at t + c (c &gt; 0) along the time dimension.</summary>
        public const string ReadsLaterPosition = "LDSL2105";

        /// <summary>The generator's "model class is not partial" (fixed by the code fixes, reported by the generator).</summary>
        public const string GeneratorNotPartial = "LDSL1001";

        /// <summary>The generator's "group settings do not fit the context length" (fixed by the code fixes, reported by the generator).</summary>
        public const string GeneratorGroupSettings = "LDSL1007";
    }
}
