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
    /// Settings of plain linear attention with a feature map phi, declared with <c>[LinearAttention]</c> and any
    /// feature map but L2. Causal (a running sum of phi(k) v^T) unless <see cref="Bidirectional"/>. Kind "linear".
    /// </summary>
    public sealed partial record LinearAttentionOptions : MixerOptions
    {
        static readonly string[] Maps = { "L2", "EluPlusOne", "Relu", "Performer", "Hedgehog", "T2R" };

        /// <summary>The feature map phi: any but <see cref="LinearFeatureMap.L2"/> (that is the augmented form). Default elu(x) + 1.</summary>
        public LinearFeatureMap FeatureMap { get; init; } = LinearFeatureMap.EluPlusOne;

        /// <summary>Width of phi for Performer, Hedgehog (half of it) and T2R; null means the head size.</summary>
        public int? FeatureDim { get; init; }

        /// <summary>Seed of random features and initial feature-map weights. Default 0.</summary>
        public long Seed { get; init; }

        /// <summary>Divide by phi(q) . z (z = sum of phi(k)); the state then also holds z. Default on.</summary>
        public bool Denominator { get; init; } = true;

        /// <summary>Added to the denominator. Default 1e-6.</summary>
        public double DenominatorEps { get; init; } = 1e-6;

        /// <summary>Chunk length of the parallel form (a compute choice: it does not change the function). Default 64.</summary>
        public int ChunkSize { get; init; } = 64;

        /// <summary>
        /// Attend without the causal mask (an encoder's attention): o_i = phi(q_i) sum_j phi(k_j) v_j^T over the whole
        /// sequence (with the denominator over the whole sum of phi(k)). Default false. A decoder with it reads later
        /// tokens, so it belongs in encoder stacks; the mixer then has only its parallel form.
        /// </summary>
#if !LINEARDSL_ROSLYN
        // config.json of a causal mixer stays as it was before encoders existed.
        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
#endif
        public bool Bidirectional { get; init; }

        /// <inheritdoc />
        public override string KindName() => "linear";

        /// <inheritdoc />
        internal override string AttributeName() => "LinearAttention";

        /// <inheritdoc />
        internal override bool Claims(IDeclaredSettings settings) => settings.WholeNumber("FeatureMap", 0) != 0;

        /// <inheritdoc />
        public override string Describe() => Bidirectional ? $"bidirectional linear attention ({FeatureMap})" : $"linear attention ({FeatureMap})";

        /// <inheritdoc />
        public override IReadOnlyList<NonCausalSetting> NonCausal()
            => Bidirectional ? new[] { new NonCausalSetting(nameof(Bidirectional), "true") } : Array.Empty<NonCausalSetting>();

        /// <inheritdoc />
        public override IReadOnlyList<MixerProblem> Problems()
        {
            var problems = new List<MixerProblem>();
#pragma warning disable CA2263 // The generic overload is not in netstandard2.0 (the generator and analyzers compile this too).
            if (FeatureMap == LinearFeatureMap.L2 || !Enum.IsDefined(typeof(LinearFeatureMap), FeatureMap))
#pragma warning restore CA2263
                problems.Add(new MixerProblem(nameof(FeatureMap), $"FeatureMap {FeatureMap} is not a feature map of plain linear attention", "use EluPlusOne, Relu, Performer, Hedgehog or T2R (L2 is the augmented form)"));
            if (ChunkSize <= 0) problems.Add(new MixerProblem(nameof(ChunkSize), $"ChunkSize is {ChunkSize}", "it must be positive"));
            if (Denominator && (!(DenominatorEps > 0) || double.IsInfinity(DenominatorEps)))
                problems.Add(new MixerProblem(nameof(DenominatorEps), $"DenominatorEps is {DenominatorEps.ToString("R", CultureInfo.InvariantCulture)}", "it must be positive and finite, so that an all-zero feature row does not divide by zero"));
            if (FeatureDim <= 0) problems.Add(new MixerProblem(nameof(FeatureDim), $"FeatureDim is {FeatureDim}", "give a positive width, or leave it out for the head size"));
            return problems;
        }

        /// <inheritdoc />
        internal override MixerOptions? FromDeclaration(IDeclaredSettings settings, DeclarationContext context, List<MixerProblem> problems)
        {
            int before = problems.Count;
            int map = settings.WholeNumber("FeatureMap", 0);
            if (map < 0 || map >= Maps.Length)
            {
                problems.Add(new MixerProblem("FeatureMap", $"LinearAttention.FeatureMap has the unknown value {map}", "use a LinearFeatureMap member"));
                return null;
            }
            int featureDim = settings.WholeNumber("FeatureDim", 0);
            if (featureDim < 0)
                problems.Add(new MixerProblem("FeatureDim", $"LinearAttention.FeatureDim is {featureDim}", "give a positive width, or 0 for the head size"));
            if ((map == (int)LinearFeatureMap.EluPlusOne || map == (int)LinearFeatureMap.Relu) && settings.IsSet("FeatureDim"))
                problems.Add(new MixerProblem("FeatureDim", $"LinearAttention.FeatureDim does not apply to FeatureMap = {Maps[map]} (an element-wise map keeps the head size)", "remove it, or use Performer, Hedgehog or T2R", MixerProblemKind.NotApplicable));
            foreach (var option in new[] { "Groups", "GroupSize", "Local", "Global", "DWConv", "ConvTaps", "AlphaInit", "ConvPadding", "CausalLocal", "InclusiveGlobalPrefix", "Gate", "GateTemperature" })
            {
                if (settings.IsSet(option))
                    problems.Add(new MixerProblem(option, $"LinearAttention.{option} belongs to the augmented form (FeatureMap = L2), not to FeatureMap = {Maps[map]}", "remove it or use the L2 map", MixerProblemKind.NotApplicable));
            }
            if (problems.Count > before) return null;
            // Linear attention normalises by default (Denominator); the L2 map never does.
            return new LinearAttentionOptions
            {
                FeatureMap = (LinearFeatureMap)map,
                FeatureDim = featureDim > 0 ? featureDim : (int?)null,
                Denominator = settings.Flag("Denominator", true),
                Bidirectional = settings.Flag("Bidirectional", false),
            };
        }

#if !LINEARDSL_ROSLYN
        /// <inheritdoc />
        internal override TokenMixer CreateMixer(MixerGeometry geometry, Positional.RotaryEmbedding? rotary, int contextLength)
            => new LinearAttention(geometry, this, rotary);
#endif
    }
}
