using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace LinearDsl.Runtime.Fused;

/// <summary>One part of a job that a <see cref="FusedWorkers"/> pool splits: part <c>part</c> of <c>parts</c>.</summary>
internal interface IFusedJob
{
    void Run(int part, int parts);
}

/// <summary>
/// A persistent pool of background threads for the decode programs' projections. The caller runs part 0 of a job
/// and worker i runs part i + 1; nothing is allocated and no Task is created per job. A worker waits for its next
/// part by spinning for <see cref="SpinMicroseconds"/> (a decode step's projections come a few microseconds apart),
/// then blocks on its own monitor, so an idle process costs no CPU. One caller uses a pool at a time: a second
/// caller that finds it busy gets false from <see cref="TryRun"/> and computes alone, which gives the same numbers.
/// </summary>
internal sealed class FusedWorkers : IDisposable
{
    /// <summary>How long a worker (and a caller awaiting its workers) spins before it blocks.</summary>
    internal const int SpinMicroseconds = 50;

    static readonly Lazy<FusedWorkers> s_shared = new(() => new FusedWorkers());
    static readonly long s_spinTicks = Math.Max(1, Stopwatch.Frequency * SpinMicroseconds / 1_000_000);

    readonly object _use = new();
    readonly object _done = new();
    readonly List<Worker> _workers = [];
    int _pending, _callerSleeping;
    Exception? _failure;
    volatile bool _stopping;

    /// <summary>The process's pool, created on first use (its threads are created as jobs need them).</summary>
    public static FusedWorkers Shared => s_shared.Value;

    /// <summary>Background threads started so far (the caller is not counted).</summary>
    public int Threads
    {
        get { lock (_use) return _workers.Count; }
    }

    /// <summary>
    /// Runs <paramref name="job"/> in <paramref name="parts"/> parts, part 0 on the calling thread, and returns when
    /// all are done (rethrowing the first failure); false, with nothing run, when another caller holds the pool.
    /// </summary>
    public bool TryRun(IFusedJob job, int parts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 2);
        if (!Monitor.TryEnter(_use)) return false;
        try
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            while (_workers.Count < parts - 1) _workers.Add(new Worker(this, _workers.Count));
            _failure = null;
            Volatile.Write(ref _pending, parts - 1);
            for (int i = 0; i < parts - 1; i++) _workers[i].Start(job, i + 1, parts);
            try
            {
                job.Run(0, parts);
            }
            finally
            {
                // The workers read the caller's memory: never return before they are done, even when part 0 failed.
                AwaitWorkers();
            }
            if (_failure is { } failure) ExceptionDispatchInfo.Capture(failure).Throw();
            return true;
        }
        finally
        {
            Monitor.Exit(_use);
        }
    }

    /// <summary>Stops the threads (they are background threads, so a process also exits without this).</summary>
    public void Dispose()
    {
        lock (_use)
        {
            if (_stopping) return;
            _stopping = true;
            foreach (var worker in _workers) worker.Stop();
            foreach (var worker in _workers) worker.Join();
        }
    }

    void AwaitWorkers()
    {
        long deadline = Stopwatch.GetTimestamp() + s_spinTicks;
        var spin = new SpinWait();
        while (Volatile.Read(ref _pending) != 0)
        {
            if (Stopwatch.GetTimestamp() < deadline)
            {
                spin.SpinOnce(sleep1Threshold: -1);
                continue;
            }
            lock (_done)
            {
                // Announce the sleep before the last look (both sides use full fences), so the last worker's pulse is not lost.
                Interlocked.Exchange(ref _callerSleeping, 1);
                while (Volatile.Read(ref _pending) != 0) Monitor.Wait(_done);
                _callerSleeping = 0;
            }
        }
    }

    void Finished(Exception? failure)
    {
        if (failure is not null) Interlocked.CompareExchange(ref _failure, failure, null);
        if (Interlocked.Decrement(ref _pending) == 0 && Volatile.Read(ref _callerSleeping) != 0)
        {
            lock (_done) Monitor.PulseAll(_done);
        }
    }

    /// <summary>One background thread and its mailbox: a ticket that changes when a part is handed to it.</summary>
    sealed class Worker
    {
        readonly FusedWorkers _pool;
        readonly Thread _thread;
        readonly object _gate = new();
        int _ticket, _sleeping;
        IFusedJob? _job;
        int _part, _parts;

        public Worker(FusedWorkers pool, int index)
        {
            _pool = pool;
            _thread = new Thread(Loop) { IsBackground = true, Name = $"LinearDsl decode worker {index + 1}" };
            _thread.Start();
        }

        public void Start(IFusedJob job, int part, int parts)
        {
            _job = job;
            _part = part;
            _parts = parts;
            Signal();
        }

        public void Stop() => Signal();

        public void Join() => _thread.Join();

        void Signal()
        {
            // The increment publishes the part (a full fence); then wake the worker if it went to sleep.
            Interlocked.Increment(ref _ticket);
            if (Volatile.Read(ref _sleeping) != 0)
            {
                lock (_gate) Monitor.Pulse(_gate);
            }
        }

        void Loop()
        {
            int seen = 0;
            while (true)
            {
                seen = Await(seen);
                if (_pool._stopping) return;
                Exception? failure = null;
                try
                {
                    _job!.Run(_part, _parts);
                }
                catch (Exception e)
                {
                    failure = e;
                }
                _job = null;
                _pool.Finished(failure);
            }
        }

        int Await(int seen)
        {
            long deadline = Stopwatch.GetTimestamp() + s_spinTicks;
            var spin = new SpinWait();
            int ticket;
            while ((ticket = Volatile.Read(ref _ticket)) == seen)
            {
                if (Stopwatch.GetTimestamp() < deadline)
                {
                    spin.SpinOnce(sleep1Threshold: -1);
                    continue;
                }
                lock (_gate)
                {
                    Interlocked.Exchange(ref _sleeping, 1);
                    while ((ticket = Volatile.Read(ref _ticket)) == seen) Monitor.Wait(_gate);
                    _sleeping = 0;
                }
                break;
            }
            return ticket;
        }
    }
}
