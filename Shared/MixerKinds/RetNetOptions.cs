// Shared source (see MixerOptions.cs).
using System.Collections.Generic;

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
    public sealed partial record RetNetOptions : GatedRecurrenceOptions
    {
        /// <inheritdoc />
        public override string KindName() => "retnet";

        /// <inheritdoc />
        internal override string AttributeName() => "RetNet";

        /// <inheritdoc />
        public override string Describe() => "RetNet retention (fixed decay per head)";

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
