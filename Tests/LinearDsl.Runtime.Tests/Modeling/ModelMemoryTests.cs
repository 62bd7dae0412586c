namespace LinearDsl.Runtime.Tests.Modeling;

/// <summary>Native-memory discipline of the model's decode loops.</summary>
public sealed class ModelMemoryTests
{
    [Fact]
    public void Five_hundred_steps_do_not_grow_the_live_tensor_count()
    {
        using var model = ModelCatalog.Create("hybrid");
        using var tokens = ModelCatalog.Tokens(batch: 2, time: 1);
        using var state = model.CreateState(2);
        void Steps(int count)
        {
            for (int i = 0; i < count; i++)
            {
                using var scope = NewDisposeScope();
                model.Step(tokens, state);
            }
        }
        Steps(10);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Steps(500);
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
        state.Positions.Should().OnlyContain(p => p == 510);
    }

    [Fact]
    public void Verify_and_commit_rounds_do_not_grow_the_live_tensor_count()
    {
        using var model = ModelCatalog.Create("learned-layernorm-gelu");
        using var tokens = ModelCatalog.Tokens(batch: 3, time: 2);
        using var state = model.CreateState(3);
        var random = new Random(3);
        void Rounds(int count)
        {
            for (int i = 0; i < count; i++)
            {
                using var scope = NewDisposeScope();
                var (_, pending) = model.Verify(tokens, state);
                using (pending) model.Commit(state, pending, [random.Next(3), random.Next(3), random.Next(3)]);
            }
        }
        Rounds(2);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Rounds(15);
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }
}
