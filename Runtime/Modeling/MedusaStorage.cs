namespace LinearDsl.Runtime.Modeling;

/// <summary>How a checkpoint stores the weights of the Medusa heads (config.json <c>medusa_heads.storage</c>).</summary>
public enum MedusaStorage
{
    /// <summary>In the model's own element type, like every other weight (the default): Save and Load round-trip bit-exactly.</summary>
    ModelType = 0,

    /// <summary>
    /// In float16, converted to the model's type on load: half the bytes. Heads only propose tokens, which the target
    /// then verifies, so decoding stays exact; the proposals of a float32 model may differ after a round trip.
    /// </summary>
    Float16 = 1,
}
