using System.Collections.Concurrent;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Fused;

/// <summary>
/// The generated decode programs known to this process, so that a checkpoint loaded by its config alone
/// (<see cref="Checkpoints.Checkpoint.Load"/>) still runs the straight-line code of its declared architecture. Each
/// declared model registers its program when its assembly loads.
/// </summary>
public static class DecodePrograms
{
    static readonly ConcurrentQueue<FusedDecodeProgram> Registered = new();

    /// <summary>Makes <paramref name="program"/> available to models built from its config.</summary>
    public static void Register(FusedDecodeProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        Registered.Enqueue(program);
    }

    /// <summary>The program generated for the architecture <paramref name="config"/>, or null when none is registered.</summary>
    public static FusedDecodeProgram? Find(ModelConfig? config) => Registered.FirstOrDefault(p => p.Fits(config));
}
