// Shared source (see MixerOptions.cs).
using System.Collections.Generic;

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
    public sealed partial record Mamba2Options : GatedRecurrenceOptions
    {
        /// <inheritdoc />
        public override string KindName() => "mamba2";

        /// <inheritdoc />
        internal override string AttributeName() => "Mamba2";

        /// <inheritdoc />
        public override string Describe() => "Mamba-2 SSD, attention form (a data-dependent scalar decay per head)";

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
