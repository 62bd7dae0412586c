using LinearDsl.Runtime.Decoding;

namespace LinearDsl.Runtime.Modeling;

public sealed partial class ModelPending
{
    /// <summary>The candidate trees this record verified (CommitPath takes it), or null for a chain (Commit takes it).</summary>
    internal TreeLayout? Tree { get; init; }
}
