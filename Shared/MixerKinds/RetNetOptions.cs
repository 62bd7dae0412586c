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
    /// Settings of RetNet-style retention, declared with <c>[RetNet]</c>: linear attention with a fixed decay per key/value
    /// head, S_t = gamma_h S_{t-1} + k_t v_t^T, o_t = q_t S_t / sqrt(d), gamma_h = 1 - 2^(-5 - 7 h / (H - 1)) (RetNet's
    /// values for 8 heads, spread over any head count). No learned decay parameters. Causal by construction. Kind "retnet".
    /// </summary>
    public sealed partial record RetNetOptions : MixerOptions
    {
        /// <summary>Chunk length of the parallel form (a compute choice: it does not change the function). Default 64.</summary>
        public int ChunkSize { get; init; } = 64;

        /// <summary>Normalise each head's output to unit RMS (RetNet's GroupNorm without its affine part). Default on.</summary>
        public bool OutputNorm { get; init; } = true;

        /// <summary>Added to the mean square of the output norm. Default 1e-6.</summary>
        public double NormEps { get; init; } = 1e-6;

        /// <inheritdoc />
        public override string KindName() => "retnet";

        /// <inheritdoc />
        internal override string AttributeName() => "RetNet";

        /// <inheritdoc />
        public override string Describe() => "RetNet retention (fixed decay per head)";

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
            => new RetNetOptions { OutputNorm = settings.Flag("OutputNorm", true) };

#if !LINEARDSL_ROSLYN
        /// <inheritdoc />
        internal override TokenMixer CreateMixer(MixerGeometry geometry, Positional.RotaryEmbedding? rotary, int contextLength)
            => new RetNetAttention(geometry, this, rotary);
#endif
    }
}
