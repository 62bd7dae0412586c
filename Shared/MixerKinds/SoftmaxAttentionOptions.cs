// Shared source (see MixerOptions.cs).
using System;
using System.Collections.Generic;

#if LINEARDSL_ROSLYN
namespace LinearDsl.Kinds
#else
namespace LinearDsl.Runtime.Mixers
#endif
{
    /// <summary>Settings of causal softmax attention with a KV cache, declared with <c>[SoftmaxAttention]</c>. Kind "softmax".</summary>
    public sealed partial record SoftmaxAttentionOptions : MixerOptions
    {
        /// <summary>
        /// Attend without the causal mask (an encoder's attention). Default false. A model with it reads later tokens
        /// (information leakage) and has only its parallel form.
        /// </summary>
        public bool Bidirectional { get; init; }

        /// <inheritdoc />
        public override string KindName() => "softmax";

        /// <inheritdoc />
        internal override string AttributeName() => "SoftmaxAttention";

        /// <inheritdoc />
        public override string Describe() => Bidirectional ? "bidirectional softmax attention" : "softmax attention";

        /// <inheritdoc />
        public override IReadOnlyList<NonCausalSetting> NonCausal()
            => Bidirectional ? new[] { new NonCausalSetting(nameof(Bidirectional), "true") } : Array.Empty<NonCausalSetting>();

        /// <inheritdoc />
        public override IReadOnlyList<MixerProblem> Problems() => Array.Empty<MixerProblem>();

        /// <inheritdoc />
        internal override MixerOptions? FromDeclaration(IDeclaredSettings settings, DeclarationContext context, List<MixerProblem> problems)
            => new SoftmaxAttentionOptions { Bidirectional = settings.Flag("Bidirectional", false) };

#if !LINEARDSL_ROSLYN
        /// <inheritdoc />
        internal override TokenMixer CreateMixer(MixerGeometry geometry, Positional.RotaryEmbedding? rotary, int contextLength)
            // The cache grows by half when full; reserving more than the context length would waste memory.
            => new SoftmaxAttention(geometry, rotary, initialCapacity: Math.Min(256, contextLength), bidirectional: Bidirectional);
#endif
    }
}
