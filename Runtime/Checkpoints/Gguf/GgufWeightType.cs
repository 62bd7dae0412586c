namespace LinearDsl.Runtime.Checkpoints.Gguf;

/// <summary>How <see cref="GgufExport"/> stores the weight matrices.</summary>
public enum GgufWeightType
{
    /// <summary>Every tensor as float32: llama.cpp computes the same model as LinearDsl, up to float32 rounding.</summary>
    F32,

    /// <summary>
    /// The weight matrices as llama.cpp's Q8_0 (a half scale and 32 signed bytes per block of 32 values of a row);
    /// norms, and any matrix whose rows are not a multiple of 32 long, stay float32.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1707", Justification = "Q8_0 is llama.cpp's own name for the format, which users search for.")]
    Q8_0,
}
