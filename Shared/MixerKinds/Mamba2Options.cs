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
    /// Settings of Mamba-2's state-space duality (SSD) in its attention form, declared with <c>[Mamba2]</c>: a
    /// data-dependent scalar decay per key/value head, dt_t = softplus(k_t . w_dt + b_dt), log a_t = -exp(A_log) dt_t,
    /// S_t = a_t S_{t-1} + dt_t k_t v_t^T, o_t = q_t S_t / sqrt(d) (q plays C, k plays B, v plays x). The mixer sees only
    /// q, k and v, so dt is computed from the key of its own head. Causal by construction. Kind "mamba2".
    /// </summary>
    public sealed partial record Mamba2Options : MixerOptions
    {
        /// <summary>Chunk length of the parallel form (a compute choice: it does not change the function). Default 64.</summary>
        public int ChunkSize { get; init; } = 64;

        /// <summary>Normalise each head's output to unit RMS (Mamba-2's RMSNorm without its gate and weight). Default on.</summary>
        public bool OutputNorm { get; init; } = true;

        /// <summary>Added to the mean square of the output norm. Default 1e-6.</summary>
        public double NormEps { get; init; } = 1e-6;

        /// <inheritdoc />
        public override string KindName() => "mamba2";

        /// <inheritdoc />
        internal override string AttributeName() => "Mamba2";

        /// <inheritdoc />
        public override string Describe() => "Mamba-2 SSD, attention form (a data-dependent scalar decay per head)";

        /// <inheritdoc />
        public override IReadOnlyList<NonCausalSetting> NonCausal() => Array.Empty<NonCausalSetting>();

        /// <inheritdoc />
        public override IReadOnlyList<MixerProblem> Problems()
        {
            var problems = new List<MixerProblem>();
            if (ChunkSize <= 0) problems.Add(new MixerProblem(nameof(ChunkSize), $"ChunkSize is {ChunkSize}", "it must be positive"));
            if (OutputNorm && (!(NormEps > 0) || double.IsInfinity(NormEps)))
                problems.Add(new MixerProblem(nameof(NormEps), $"NormEps is {NormEps.ToString("R", CultureInfo.InvariantCulture)}", "give a positive finite epsilon, or an all-zero output divides by zero"));
            return problems;
        }

        /// <inheritdoc />
        internal override MixerOptions? FromDeclaration(IDeclaredSettings settings, DeclarationContext context, List<MixerProblem> problems)
            => new Mamba2Options { OutputNorm = settings.Flag("OutputNorm", true) };

#if !LINEARDSL_ROSLYN
        /// <inheritdoc />
        internal override TokenMixer CreateMixer(MixerGeometry geometry, Positional.RotaryEmbedding? rotary, int contextLength)
            => new Mamba2Attention(geometry, this, rotary);
#endif
    }
}
