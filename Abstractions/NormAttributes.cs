using System;

namespace LinearDsl
{
    /// <summary>RMS normalisation (LLaMA) in every block and before the output head. This is the default norm.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class RmsNormAttribute : Attribute
    {
        /// <summary>Added to the mean square before the square root. Default 1e-5.</summary>
        public double Eps { get; set; } = 1e-5;
    }

    /// <summary>Layer normalisation with weight and bias (GPT-2) in every block and before the output head.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class LayerNormAttribute : Attribute
    {
        /// <summary>Added to the variance before the square root. Default 1e-5.</summary>
        public double Eps { get; set; } = 1e-5;
    }
}
