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

    /// <summary>GELU feed-forward network with biases (GPT-2): c_proj(gelu(c_fc(x))).</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class GeluMlpAttribute : Attribute
    {
        /// <summary>Hidden (intermediate) width. Default 0: four times the model width.</summary>
        public int Hidden { get; set; }
    }
}
