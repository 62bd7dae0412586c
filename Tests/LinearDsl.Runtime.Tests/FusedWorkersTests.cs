using LinearDsl.Runtime.Fused;

namespace LinearDsl.Runtime.Tests;

/// <summary>
/// The decode worker pool on its own: every part runs once on its own thread, the caller runs part 0, a pool survives
/// many jobs and the sleep between them (spin, then block), a failure reaches the caller, a busy pool refuses a second
/// caller instead of mixing two jobs, and Dispose stops its threads; plus the block-aligned output ranges.
/// </summary>
public sealed class FusedWorkersTests
{
    sealed class Recorder(int parts) : IFusedJob
    {
        public readonly int[] Threads = new int[parts];
        public readonly int[] Counts = new int[parts];

        public void Run(int part, int parts)
        {
            Threads[part] = Environment.CurrentManagedThreadId;
            Interlocked.Increment(ref Counts[part]);
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Every_part_runs_once_and_the_caller_runs_part_zero(int parts)
    {
        using var pool = new FusedWorkers();
        for (int round = 0; round < 200; round++)
        {
            var job = new Recorder(parts);
            pool.TryRun(job, parts).Should().BeTrue();
            job.Counts.Should().AllBeEquivalentTo(1, $"round {round}");
            job.Threads[0].Should().Be(Environment.CurrentManagedThreadId);
            job.Threads.Distinct().Should().HaveCount(parts, "each part on its own thread");
        }
        pool.Threads.Should().Be(parts - 1);
    }

    [Fact]
    public void Workers_that_went_to_sleep_wake_for_the_next_job()
    {
        using var pool = new FusedWorkers();
        for (int round = 0; round < 5; round++)
        {
            // Far longer than the spin: the workers block on their monitors, and the next job must wake them.
            Thread.Sleep(20 + FusedWorkers.SpinMicroseconds / 1000);
            var job = new Recorder(3);
            pool.TryRun(job, 3).Should().BeTrue();
            job.Counts.Should().AllBeEquivalentTo(1);
        }
    }

    sealed class Failing : IFusedJob
    {
        public void Run(int part, int parts)
        {
            if (part == parts - 1) throw new InvalidOperationException("part failed");
        }
    }

    [Fact]
    public void A_failing_part_reaches_the_caller_and_the_pool_keeps_working()
    {
        using var pool = new FusedWorkers();
        pool.Invoking(p => p.TryRun(new Failing(), 3)).Should().Throw<InvalidOperationException>().WithMessage("part failed");
        var job = new Recorder(3);
        pool.TryRun(job, 3).Should().BeTrue();
        job.Counts.Should().AllBeEquivalentTo(1);
    }

    sealed class Holding(ManualResetEventSlim entered, ManualResetEventSlim release) : IFusedJob
    {
        public void Run(int part, int parts)
        {
            if (part != 0) return;
            entered.Set();
            release.Wait();
        }
    }

    [Fact]
    public void A_busy_pool_refuses_a_second_caller_who_then_computes_alone()
    {
        using var pool = new FusedWorkers();
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var first = new Thread(() => pool.TryRun(new Holding(entered, release), 2));
        first.Start();
        entered.Wait(TimeSpan.FromSeconds(30)).Should().BeTrue();
        var second = new Recorder(2);
        pool.TryRun(second, 2).Should().BeFalse("another caller holds the pool");
        second.Counts.Should().AllBeEquivalentTo(0, "nothing ran");
        release.Set();
        first.Join();
        pool.TryRun(second, 2).Should().BeTrue();
    }

    [Fact]
    public void Dispose_stops_the_threads_and_refuses_later_jobs()
    {
        var pool = new FusedWorkers();
        pool.TryRun(new Recorder(4), 4).Should().BeTrue();
        pool.Dispose();
        pool.Invoking(p => p.TryRun(new Recorder(2), 2)).Should().Throw<ObjectDisposedException>();
        pool.Dispose();
    }

    [Theory]
    [InlineData(8, 2)]
    [InlineData(23, 4)]
    [InlineData(36, 3)]
    [InlineData(688, 4)]
    [InlineData(50257, 3)]
    public void Output_ranges_are_block_aligned_contiguous_and_cover_every_output(int outputs, int parts)
    {
        int next = 0;
        for (int part = 0; part < parts; part++)
        {
            var (first, end) = ParallelLinear.Range(part, parts, outputs);
            first.Should().Be(next);
            (first % ParallelLinear.Block).Should().Be(0);
            if (part < parts - 1) (end % ParallelLinear.Block).Should().Be(0);
            end.Should().BeGreaterThan(first, "no part is empty while parts <= outputs / 4");
            next = end;
        }
        next.Should().Be(outputs);
    }
}
