using System;

namespace LinearDsl
{
    /// <summary>
    /// Rotary position embedding (RoPE, Hugging Face LLaMA "rotate half" layout) applied to queries and keys by
    /// absolute position in every attention layer. This is the default when no position attribute is given.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class RotaryAttribute : Attribute
    {
        /// <summary>Frequency base. Default 10000 (LLaMA).</summary>
        public double Theta { get; set; } = 10000;
    }

    /// <summary>Learned absolute position embeddings (GPT-2), one per position up to the context length.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class LearnedPositionsAttribute : Attribute
    {
    }

    /// <summary>No positional encoding (the causal conv and the causal mask still order the tokens).</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class NoPositionsAttribute : Attribute
    {
    }
}
