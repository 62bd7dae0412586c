using System;

namespace LinearDsl
{
    /// <summary>
    /// A user-defined token mixer, <typeparamref name="TMixer"/>, as the mixer of every layer or of the layers listed in
    /// <see cref="Layers"/>. <typeparamref name="TMixer"/> derives from LinearDsl.Runtime.Mixers.CustomMixer&lt;TState&gt;,
    /// is not abstract, and has one public constructor whose first parameter is the MixerGeometry; its other parameters
    /// are an optional RotaryEmbedding (the model's rotary positions, null without them) and the mixer's settings
    /// (int, long, float, double, bool or string), given here by name in <see cref="Settings"/>.
    /// </summary>
    /// <remarks>
    /// <c>[Mixer&lt;CosFormerMixer&gt;(Heads = 4, Settings = new object[] { "maxLength", 1024 })]</c> builds
    /// <c>new CosFormerMixer(geometry, maxLength: 1024)</c> in each layer, and config.json records it as
    /// <c>{ "kind": "custom", "type": "Namespace.CosFormerMixer, Assembly", "max_length": 1024 }</c> so that
    /// Checkpoint.Load builds it again.
    /// </remarks>
    /// <typeparam name="TMixer">The mixer's class.</typeparam>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class MixerAttribute<TMixer> : Attribute where TMixer : class
    {
        /// <summary>Query heads; must divide the model width. Default: heads of 64 dimensions (Dim / 64), when Dim is a multiple of 64.</summary>
        public int Heads { get; set; }

        /// <summary>Key/value heads; must divide <see cref="Heads"/>. Default 0: as many as Heads.</summary>
        public int KvHeads { get; set; }

        /// <summary>
        /// The mixer's settings as pairs of a constructor parameter's name and its value, e.g.
        /// <c>new object[] { "maxLength", 1024, "scale", 0.5 }</c>. A parameter left out takes its default value; a
        /// parameter without a default must be given. Default empty.
        /// </summary>
        public object[] Settings { get; set; } = Array.Empty<object>();

        /// <summary>The layers (0-based) that use this mixer. Default empty: every layer no other mixer attribute lists.</summary>
        public int[] Layers { get; set; } = Array.Empty<int>();

        /// <summary>
        /// On a <see cref="Seq2SeqModelAttribute"/> model, the stack this mixer (and its Layers) belongs to. Default
        /// <see cref="ModelStack.All"/>: both stacks, or the only stack of any other model.
        /// </summary>
        public ModelStack Stack { get; set; }
    }
}
