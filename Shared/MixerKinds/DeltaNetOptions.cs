// Shared source (see MixerOptions.cs).
using System;
using System.Collections.Generic;
using System.Globalization;

#if LINEARDSL_ROSLYN
namespace LinearDsl.Kinds
#else
namespace LinearDsl.Runtime.Mixers
#endif
{
    /// <summary>
    /// Settings of DeltaNet's delta rule, declared with <c>[DeltaNet]</c>: keys and queries L2-normalised per head,
    /// a writing strength beta_t = sigmoid(k_t . w_b + b_b) from the raw key (the mixer sees q, k and v, not the token),
    /// S_t = S_{t-1} + beta_t k_t (v_t - S_{t-1}^T k_t)^T and o_t = q_t^T S_t. Causal by construction. Kind "deltanet".
    /// </summary>
    public sealed partial record DeltaNetOptions : MixerOptions
    {
        /// <summary>
        /// Chunk length of the parallel form (a compute choice: it does not change the function). Each chunk solves one
        /// unit lower-triangular system of this size. Default 64, as flash-linear-attention.
        /// </summary>
        public int ChunkSize { get; init; } = 64;

        /// <summary>
        /// Added to |x|^2 before the square root of the L2 normalisation of keys and queries, so a zero key stays zero
        /// (and |k| &lt; 1 keeps each step strictly contractive along k). Default 1e-6.
        /// </summary>
        public double NormEps { get; init; } = 1e-6;

        /// <inheritdoc />
        public override string KindName() => "deltanet";

        /// <inheritdoc />
        internal override string AttributeName() => "DeltaNet";

        /// <inheritdoc />
        public override string Describe() => $"DeltaNet (delta rule, chunk {ChunkSize})";

        /// <inheritdoc />
        public override IReadOnlyList<NonCausalSetting> NonCausal() => Array.Empty<NonCausalSetting>();

        /// <inheritdoc />
        public override IReadOnlyList<MixerProblem> Problems()
        {
            var problems = new List<MixerProblem>();
            if (ChunkSize <= 0) problems.Add(new MixerProblem(nameof(ChunkSize), $"DeltaNet.ChunkSize is {ChunkSize}", "it must be positive (64 is the default)"));
            if (!(NormEps > 0) || double.IsInfinity(NormEps))
                problems.Add(new MixerProblem(nameof(NormEps), $"DeltaNet.NormEps is {NormEps.ToString("R", CultureInfo.InvariantCulture)}", "it must be positive and finite, so that a zero key or query is not divided by zero"));
            return problems;
        }

        /// <inheritdoc />
        internal override MixerOptions? FromDeclaration(IDeclaredSettings settings, DeclarationContext context, List<MixerProblem> problems)
        {
            var defaults = new DeltaNetOptions();
            int chunk = settings.WholeNumber("ChunkSize", 0);
            if (settings.IsSet("ChunkSize") && chunk <= 0)
            {
                problems.Add(new MixerProblem("ChunkSize", $"DeltaNet.ChunkSize is {chunk}", $"give a positive chunk length, or leave it out for {defaults.ChunkSize}"));
                return null;
            }
            return chunk > 0 ? defaults with { ChunkSize = chunk } : defaults;
        }

#if !LINEARDSL_ROSLYN
        /// <inheritdoc />
        internal override TokenMixer CreateMixer(MixerGeometry geometry, Positional.RotaryEmbedding? rotary, int contextLength)
            => new DeltaNet(geometry, this, rotary);
#endif
    }
}
