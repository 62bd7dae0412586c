using System.Runtime.CompilerServices;
using LinearDsl.Runtime.Decoding;

namespace LinearDsl.Runtime.Hosting;

/// <summary>
/// One <see cref="SemaphoreSlim"/> per model instance, so that requests on the same models run one after the other.
/// A model is not safe for concurrent calls (layers share rotary caches; libtorch runs one intra-op thread pool), and
/// a decoding request calls it round after round. A request takes the locks of every model its decoder uses (target
/// and draft) in one global order, so requests over overlapping model pairs cannot deadlock. The locks live as long as
/// the models (a <see cref="ConditionalWeakTable{TKey, TValue}"/>), so two generators built over the same models, even in
/// different containers, still exclude each other.
/// </summary>
internal static class ModelLocks
{
    static readonly ConditionalWeakTable<object, Gate> Gates = new();
    static long _nextOrder;

    /// <summary>The objects a decoder's requests must hold: its models, or the decoder itself when it is not a known kind.</summary>
    public static IReadOnlyList<object> ResourcesOf(ITokenDecoder decoder) => decoder switch
    {
        PlainDecoder plain => [plain.Model],
        SpeculativeDecoder speculative when ReferenceEquals(speculative.Target, speculative.Draft) => [speculative.Target],
        SpeculativeDecoder speculative => [speculative.Target, speculative.Draft],
        TreeSpeculativeDecoder tree when tree.Draft is null || ReferenceEquals(tree.Target, tree.Draft) => [tree.Target],
        TreeSpeculativeDecoder tree => [tree.Target, tree.Draft!],
        Seq2SeqDecoder seq2seq => [seq2seq.Model],
        Seq2SeqSpeculativeDecoder pair when ReferenceEquals(pair.Target, pair.Draft) => [pair.Target],
        Seq2SeqSpeculativeDecoder pair => [pair.Target, pair.Draft],
        _ => [decoder],
    };

    /// <summary>Waits for every resource's lock (in the global order); dispose the result to release them.</summary>
    /// <exception cref="OperationCanceledException">Cancelled while waiting; no lock is held then.</exception>
    public static async Task<IDisposable> AcquireAsync(IReadOnlyList<object> resources, CancellationToken cancellationToken)
    {
        var gates = resources.Select(r => Gates.GetValue(r, _ => new Gate(Interlocked.Increment(ref _nextOrder))))
            .Distinct().OrderBy(g => g.Order).ToArray();
        var held = new List<Gate>(gates.Length);
        try
        {
            foreach (var gate in gates)
            {
                await gate.Semaphore.WaitAsync(cancellationToken);
                held.Add(gate);
            }
        }
        catch
        {
            Release(held);
            throw;
        }
        return new Lease(held);
    }

    /// <summary>Whether some request holds the lock of <paramref name="resource"/> now (diagnostics and tests).</summary>
    public static bool IsHeld(object resource) => Gates.TryGetValue(resource, out var gate) && gate.Semaphore.CurrentCount == 0;

    static void Release(List<Gate> held)
    {
        for (int i = held.Count - 1; i >= 0; i--) held[i].Semaphore.Release();
        held.Clear();
    }

    sealed class Gate(long order)
    {
        public long Order { get; } = order;

        public SemaphoreSlim Semaphore { get; } = new(1, 1);
    }

    sealed class Lease(List<Gate> held) : IDisposable
    {
        public void Dispose()
        {
            lock (held) Release(held);
        }
    }
}
