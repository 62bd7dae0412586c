using System.ComponentModel;
using System.Collections.Concurrent;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Fused;

/// <summary>
/// The decode programs known to this process: the generated ones, which each declared model registers when its
/// assembly loads, and for every other architecture a <see cref="ConfigDecodeProgram"/> built from the config, so
/// that any model built from a config (<see cref="ModelFactory.Create"/>, <see cref="Checkpoints.Checkpoint.Load"/>,
/// imports) decodes fused.
/// </summary>
/// <remarks>Infrastructure for the code the source generator writes: public because generated code in your assembly calls it, not a stable API to program against.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
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

    /// <summary>The program for <paramref name="config"/>: the generated one when registered, else one built from the config.</summary>
    public static FusedDecodeProgram For(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Find(config) ?? new ConfigDecodeProgram(config);
    }
}
