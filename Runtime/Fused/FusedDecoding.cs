namespace LinearDsl.Runtime.Fused;

/// <summary>
/// Process-wide settings of the decode programs (<see cref="Modeling.CausalLanguageModel.Step"/>,
/// <see cref="Modeling.CausalLanguageModel.Verify"/> and short prefills of float32/float64 CPU models).
/// </summary>
public static class FusedDecoding
{
    /// <summary>The largest <see cref="Threads"/> accepted.</summary>
    public const int MaxThreads = 256;

    /// <summary>
    /// Multiply-adds (tokens x outputs x inputs) from which a projection is split across threads: 65,536 is one token
    /// through a 256 x 256 matrix. Below it, waking the workers would cost a large share of the work, so the calling
    /// thread computes the projection alone.
    /// </summary>
    internal const long DefaultParallelThreshold = 65_536;

    static int s_threads = DefaultThreads();
    [ThreadStatic] static int t_forcedThreads;
    [ThreadStatic] static long t_forcedThreshold;

    /// <summary>
    /// Threads a decode program splits each large projection over (the calling thread included): each thread computes
    /// a contiguous range of the projection's outputs in the order one thread would, so the logits and states are
    /// bit-identical for every value. 1 computes everything on the calling thread. Default: one per core, at most 4
    /// (batch-1 decoding reads every weight once per token, and a few cores already draw most of the memory
    /// bandwidth). The workers are shared by the process and serve one call at a time; a call that finds them busy
    /// (another model decoding on another thread) computes on its own thread.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1 or above <see cref="MaxThreads"/>.</exception>
    public static int Threads
    {
        get => Volatile.Read(ref s_threads);
        set
        {
            if (value is < 1 or > MaxThreads)
                throw new ArgumentOutOfRangeException(nameof(value), value, $"Decode threads must be between 1 and {MaxThreads}.");
            Volatile.Write(ref s_threads, value);
        }
    }

    /// <summary>The default of <see cref="Threads"/> on this machine: min(<see cref="Environment.ProcessorCount"/>, 4).</summary>
    public static int DefaultThreads() => Math.Clamp(Environment.ProcessorCount, 1, 4);

    /// <summary>The threads this thread's decode programs use: <see cref="Threads"/> unless a test forced a count.</summary>
    internal static int EffectiveThreads => t_forcedThreads > 0 ? t_forcedThreads : Threads;

    /// <summary>The split threshold on this thread: <see cref="DefaultParallelThreshold"/> unless a test lowered it.</summary>
    internal static long ParallelThreshold => t_forcedThreshold > 0 ? t_forcedThreshold : DefaultParallelThreshold;

    /// <summary>Projections this thread has split across workers (tests check that a split happened).</summary>
    [ThreadStatic] internal static long t_parallelProjections;

    /// <summary>
    /// Makes this thread's decode programs use <paramref name="threads"/> threads and, when given, split projections
    /// from <paramref name="threshold"/> multiply-adds, until the result is disposed (tests).
    /// </summary>
    internal static IDisposable Force(int threads, long threshold = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        var restore = new Restore(t_forcedThreads, t_forcedThreshold);
        t_forcedThreads = threads;
        t_forcedThreshold = threshold;
        return restore;
    }

    sealed class Restore(int threads, long threshold) : IDisposable
    {
        public void Dispose()
        {
            t_forcedThreads = threads;
            t_forcedThreshold = threshold;
        }
    }
}
