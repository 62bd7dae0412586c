using System;

namespace LinearDsl
{
    /// <summary>
    /// Medusa heads on the model (Medusa-1): <see cref="Count"/> extra heads read the final hidden state and propose
    /// the tokens 2 .. Count + 1 positions ahead, each a stack of <see cref="Layers"/> residual blocks
    /// h + SiLU(W h + b) followed by the model's own output head (no new vocabulary matrix). The generator adds the
    /// heads to the config (config.json <c>medusa_heads</c>) and <c>MedusaHeadCount</c> and <c>ProposeNext</c> to the
    /// class; <c>lineardsl train-heads</c> trains them with the backbone frozen.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class MedusaHeadsAttribute : Attribute
    {
        /// <summary>Number of heads, 1 to 16. Default 4.</summary>
        public int Count { get; set; } = 4;

        /// <summary>Residual blocks per head, 1 to 8. Default 1.</summary>
        public int Layers { get; set; } = 1;

        /// <summary>
        /// Store the heads' weights in float16 in the checkpoint (half their bytes; config.json
        /// <c>medusa_heads.storage</c>). Heads only propose tokens, so decoding stays exact. Default false.
        /// </summary>
        public bool Float16Storage { get; set; }
    }
}
