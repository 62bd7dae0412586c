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
    /// The settings every kind on the shared gated recurrence has (RetNet, GLA, Mamba-2): S_t = diag(a_t) S_{t-1} +
    /// k'_t v_t^T, o_t = q_t S_t / sqrt(d). The kinds differ only in their gates, so only those live in each kind's
    /// record. Causal by construction.
    /// </summary>
    public abstract partial record GatedRecurrenceOptions : MixerOptions
    {
        /// <summary>Chunk length of the parallel form (a compute choice: it does not change the function). Default 64 (GLA: 16).</summary>
        public int ChunkSize { get; init; } = 64;

        /// <summary>Normalise each head's output to unit RMS (the kinds' per-head norm without its weight). Default on.</summary>
        public bool OutputNorm { get; init; } = true;

        /// <summary>Added to the mean square of the output norm. Default 1e-6.</summary>
        public double NormEps { get; init; } = 1e-6;

        /// <inheritdoc />
        public sealed override IReadOnlyList<NonCausalSetting> NonCausal() => Array.Empty<NonCausalSetting>();

        /// <inheritdoc />
        public override IReadOnlyList<MixerProblem> Problems()
        {
            var problems = new List<MixerProblem>();
            if (ChunkSize <= 0) problems.Add(new MixerProblem(nameof(ChunkSize), $"ChunkSize is {ChunkSize}", "it must be positive"));
            if (OutputNorm && (!(NormEps > 0) || double.IsInfinity(NormEps)))
                problems.Add(new MixerProblem(nameof(NormEps), $"NormEps is {Format(NormEps)}", "give a positive finite epsilon, or an all-zero output divides by zero"));
            return problems;
        }

        /// <summary>A setting's value as C# would read it back.</summary>
        private protected static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
    }
}
