// Shared source (see MixerOptions.cs).
using System.Collections.Generic;

#if LINEARDSL_ROSLYN
namespace LinearDsl.Kinds
#else
namespace LinearDsl.Runtime.Mixers
#endif
{
    /// <summary>
    /// Settings of gated linear attention (GLA), declared with <c>[Gla]</c>: a data-dependent gate per key dimension,
    /// S_t = diag(a_t) S_{t-1} + k_t v_t^T, o_t = q_t S_t / sqrt(d), log a_t = logsigmoid(k_t W_g + b_g) / GateTemperature.
    /// The mixer sees only q, k and v, so the gate is computed from the key of its own key/value head (W_g is a
    /// d x d projection per head). Causal by construction. Kind "gla".
    /// </summary>
    public sealed partial record GlaOptions : GatedRecurrenceOptions
    {
        /// <summary>
        /// Creates the default settings. The chunk defaults to 16, not 64: the per-dimension decays inside a chunk take
        /// chunk x chunk x head_dim numbers per chunk.
        /// </summary>
        public GlaOptions() => ChunkSize = 16;

        /// <summary>Divides logsigmoid of the gate logits, so gates stay near 1 (the GLA paper's 16). Default 16.</summary>
        public double GateTemperature { get; init; } = 16;

        /// <inheritdoc />
        public override string KindName() => "gla";

        /// <inheritdoc />
        internal override string AttributeName() => "Gla";

        /// <inheritdoc />
        public override string Describe() => "gated linear attention (GLA, a data-dependent gate per key dimension)";

        /// <inheritdoc />
        public override IReadOnlyList<MixerProblem> Problems()
        {
            var problems = new List<MixerProblem>(base.Problems());
            if (!(GateTemperature > 0) || double.IsInfinity(GateTemperature))
                problems.Add(new MixerProblem(nameof(GateTemperature), $"GateTemperature is {Format(GateTemperature)}", "give a positive finite number (16 is GLA's)"));
            return problems;
        }

        /// <inheritdoc />
        internal override MixerOptions? FromDeclaration(IDeclaredSettings settings, DeclarationContext context, List<MixerProblem> problems)
        {
            var declared = new GlaOptions
            {
                GateTemperature = settings.RealNumber("GateTemperature", 16),
                OutputNorm = settings.Flag("OutputNorm", true),
            };
            int before = problems.Count;
            foreach (var problem in declared.Problems()) problems.Add(problem with { Message = "Gla." + problem.Message });
            return problems.Count > before ? null : declared;
        }

#if !LINEARDSL_ROSLYN
        /// <inheritdoc />
        internal override TokenMixer CreateMixer(MixerGeometry geometry, Positional.RotaryEmbedding? rotary, int contextLength)
            => new GlaAttention(geometry, this, rotary);
#endif
    }
}
