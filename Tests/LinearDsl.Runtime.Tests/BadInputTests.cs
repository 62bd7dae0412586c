using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Positional;

namespace LinearDsl.Runtime.Tests;

/// <summary>Bad input gets an exception that names the problem.</summary>
public sealed class BadInputTests
{
    [Fact]
    public void Kv_heads_that_do_not_divide_heads_are_rejected()
    {
        var act = () => new MixerGeometry(heads: 6, headDim: 8, kvHeads: 4);
        act.Should().Throw<ArgumentException>().WithMessage("KvHeads (4) must divide Heads (6)*");
    }

    [Fact]
    public void Wrong_rank_and_head_counts_are_named()
    {
        using var scope = NewDisposeScope();
        using var mixer = MixerCatalog.Create("aug-rope-gqa");
        var (q, k, v) = MixerCatalog.Inputs("aug-rope-gqa", batch: 1, time: 3);
        FluentActions.Invoking(() => mixer.Parallel(q.squeeze(0), k, v)).Should().Throw<ArgumentException>()
            .WithMessage("Parallel: q must have rank 4 [batch, heads, time, head_dim], got shape [4, 3, 6]*");
        FluentActions.Invoking(() => mixer.Parallel(q, q, v)).Should().Throw<ArgumentException>()
            .WithMessage("Parallel: k must have 2 heads of size 6, got shape [1, 4, 3, 6]*");
        FluentActions.Invoking(() => mixer.Parallel(q, k, v.narrow(2, 0, 2))).Should().Throw<ArgumentException>()
            .WithMessage("*must agree in batch and time*");
    }

    [Fact]
    public void Step_takes_one_token_and_a_matching_state()
    {
        using var scope = NewDisposeScope();
        using var mixer = MixerCatalog.Create("aug");
        using var other = MixerCatalog.Create("aug");
        var (q, k, v) = MixerCatalog.Inputs("aug", batch: 2, time: 2);
        using var state = mixer.CreateState(2, ScalarType.Float64);
        FluentActions.Invoking(() => mixer.Step(q, k, v, state)).Should().Throw<ArgumentException>().WithMessage("Step takes exactly one token per row, got 2*");
        using var foreign = other.CreateState(2, ScalarType.Float64);
        FluentActions.Invoking(() => mixer.Step(q.narrow(2, 0, 1), k.narrow(2, 0, 1), v.narrow(2, 0, 1), foreign)).Should().Throw<ArgumentException>().WithMessage("*belongs to a different mixer*");
        using var small = mixer.CreateState(1, ScalarType.Float64);
        FluentActions.Invoking(() => mixer.Step(q.narrow(2, 0, 1), k.narrow(2, 0, 1), v.narrow(2, 0, 1), small)).Should().Throw<ArgumentException>().WithMessage("*batch 2 but the state was created for batch 1*");
        using var single = mixer.CreateState(2, ScalarType.Float32);
        FluentActions.Invoking(() => mixer.Step(q.narrow(2, 0, 1), k.narrow(2, 0, 1), v.narrow(2, 0, 1), single)).Should().Throw<ArgumentException>().WithMessage("*inputs are Float64 but the state was created for Float32*");
    }

    [Fact]
    public void Commit_checks_counts_and_the_pending_record()
    {
        using var scope = NewDisposeScope();
        using var mixer = MixerCatalog.Create("linear-elu-rope-gqa");
        var (q, k, v) = MixerCatalog.Inputs("linear-elu-rope-gqa", batch: 2, time: 3);
        using var state = mixer.CreateState(2, ScalarType.Float64);
        using var otherState = mixer.CreateState(2, ScalarType.Float64);
        var result = mixer.Verify(q, k, v, state);
        using var pending = result.Pending;

        FluentActions.Invoking(() => mixer.Commit(state, pending, [1, 4])).Should().Throw<ArgumentOutOfRangeException>().WithMessage("Row 1 accepts 4 candidates, but 3 were verified.*");
        FluentActions.Invoking(() => mixer.Commit(state, pending, [1])).Should().Throw<ArgumentException>().WithMessage("Commit needs one accepted count per row: got 1, the batch has 2.*");
        FluentActions.Invoking(() => mixer.Commit(otherState, pending, [1, 1])).Should().Throw<ArgumentException>().WithMessage("The pending record was verified against a different state*");
        state.Positions.Should().Equal(0, 0);

        mixer.Commit(state, pending, [1, 2]);
        state.Positions.Should().Equal(1, 2);
        FluentActions.Invoking(() => mixer.Commit(state, pending, [1, 1])).Should().Throw<InvalidOperationException>().WithMessage("The state has changed since this verification*");
    }

    [Fact]
    public void Settings_that_cannot_work_are_rejected()
    {
        var geometry = new MixerGeometry(2, 8);
        FluentActions.Invoking(() => new AugmentedLinearAttention(geometry, new AugmentedLinearAttentionOptions { GroupSize = 0 }))
            .Should().Throw<ArgumentException>().WithMessage("AugmentedLinearAttentionOptions: GroupSize is 0; a group needs at least 1 token.*");
        FluentActions.Invoking(() => new AugmentedLinearAttention(geometry, new AugmentedLinearAttentionOptions { Local = false, Global = false, Conv = false }))
            .Should().Throw<ArgumentException>().WithMessage("*Local, Global and Conv are all off, so the mixer would output zeros; turn at least one on.*");
        FluentActions.Invoking(() => new RotaryEmbedding(8, rotaryDim: 5)).Should().Throw<ArgumentException>().WithMessage("Rotary dimension 5 must be even*");
        FluentActions.Invoking(() => new SoftmaxAttention(geometry, new RotaryEmbedding(4))).Should().Throw<ArgumentException>().WithMessage("Rotary embedding is for head size 4*");
    }
}
