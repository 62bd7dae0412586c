using System;

namespace LinearDsl
{
    /// <summary>
    /// SwiGLU feed-forward network (LLaMA): down(silu(gate(x)) * up(x)), no biases. This is the default MLP, with
    /// <see cref="Hidden"/> = 8/3 of the model width rounded up to a multiple of 8.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class SwiGluAttribute : Attribute
    {
        /// <summary>Hidden (intermediate) width. Default 0: 8/3 of the model width rounded up to a multiple of 8.</summary>
        public int Hidden { get; set; }
    }

    /// <summary>GELU feed-forward network with biases (GPT-2): c_proj(gelu(c_fc(x))), the tanh GELU unless <see cref="Exact"/>.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class GeluMlpAttribute : Attribute
    {
        /// <summary>Hidden (intermediate) width. Default 0: four times the model width.</summary>
        public int Hidden { get; set; }

        /// <summary>
        /// Use the exact (erf) GELU, as BERT does, instead of the tanh approximation. Default false. Encoders and
        /// seq2seq models only: a causal LM's fused decode program runs the tanh GELU.
        /// </summary>
        public bool Exact { get; set; }
    }

    /// <summary>
    /// Gated-GELU feed-forward network (T5 v1.1 "gated-gelu"): down(gelu_tanh(gate(x)) * up(x)), no biases. Encoders and
    /// seq2seq models only: a causal LM's fused decode program runs SwiGLU or GELU.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class GeGluMlpAttribute : Attribute
    {
        /// <summary>Hidden (intermediate) width. Default 0: 8/3 of the model width rounded up to a multiple of 8.</summary>
        public int Hidden { get; set; }
    }

    /// <summary>
    /// ReLU feed-forward network (T5 v1.0): down(relu(up(x))), no biases. Encoders and seq2seq models only: a causal LM's
    /// fused decode program runs SwiGLU or GELU.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class ReluMlpAttribute : Attribute
    {
        /// <summary>Hidden (intermediate) width. Default 0: four times the model width.</summary>
        public int Hidden { get; set; }
    }
}
