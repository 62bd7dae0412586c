using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Tests.Modeling;

/// <summary>Bad input gets an exception that names the problem, before any layer's state changes.</summary>
public sealed class ModelBadInputTests
{
    [Fact]
    public void Tokens_need_rank_two_int64_and_ids_inside_the_vocabulary()
    {
        using var scope = NewDisposeScope();
        using var model = ModelCatalog.Create("aug-rope");
        var tokens = ModelCatalog.Tokens(batch: 2, time: 4);
        FluentActions.Invoking(() => model.Forward(tokens[0])).Should().Throw<ArgumentException>()
            .WithMessage("Forward: tokens must have rank 2 [batch, time], got shape [4]*unsqueeze(0)*");
        FluentActions.Invoking(() => model.Forward(tokens.to_type(ScalarType.Int32))).Should().Throw<ArgumentException>()
            .WithMessage("Forward: tokens must be int64 token ids, got Int32*");
        var outside = tokens.clone();
        outside[1, 2] = tensor(23L);
        FluentActions.Invoking(() => model.Forward(outside)).Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage("Forward: token id 23 at row 1, position 2 is outside the vocabulary of 23 ids (0..22).*");
        outside[1, 2] = tensor(-1L);
        outside[0, 3] = tensor(-4L);
        FluentActions.Invoking(() => model.Forward(outside)).Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage("Forward: token id -4 at row 0, position 3*");
        FluentActions.Invoking(() => model.Forward(tokens.narrow(1, 0, 0))).Should().Throw<ArgumentException>().WithMessage("*are empty*");
    }

    [Fact]
    public void Step_takes_one_token_per_row_and_a_matching_state()
    {
        using var scope = NewDisposeScope();
        using var model = ModelCatalog.Create("hybrid");
        using var other = ModelCatalog.Create("hybrid");
        var tokens = ModelCatalog.Tokens(batch: 2, time: 2);
        using var state = model.CreateState(2);
        FluentActions.Invoking(() => model.Step(tokens, state)).Should().Throw<ArgumentException>().WithMessage("Step takes exactly one token per row, got 2*");
        using var foreign = other.CreateState(2);
        FluentActions.Invoking(() => model.Step(tokens.narrow(1, 0, 1), foreign)).Should().Throw<ArgumentException>().WithMessage("*belongs to a different model*");
        using var small = model.CreateState(1);
        FluentActions.Invoking(() => model.Step(tokens.narrow(1, 0, 1), small)).Should().Throw<ArgumentException>().WithMessage("Step: tokens have batch 2 but the state was created for batch 1*");
        FluentActions.Invoking(() => model.CreateState(2, ScalarType.Float32)).Should().Throw<ArgumentException>().WithMessage("The model's parameters are Float64*");
        FluentActions.Invoking(() => model.CreateState(0)).Should().Throw<ArgumentOutOfRangeException>();
        state.Dispose();
        FluentActions.Invoking(() => model.Step(tokens.narrow(1, 0, 1), state)).Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public void Commit_checks_the_pending_record_and_the_counts()
    {
        using var scope = NewDisposeScope();
        using var model = ModelCatalog.Create("gqa");
        var tokens = ModelCatalog.Tokens(batch: 2, time: 3);
        using var state = model.CreateState(2);
        using var otherState = model.CreateState(2);
        var (_, pending) = model.Verify(tokens, state);
        using (pending)
        {
            FluentActions.Invoking(() => model.Commit(otherState, pending, [1, 1])).Should().Throw<ArgumentException>().WithMessage("The pending record was verified against a different state*");
            FluentActions.Invoking(() => model.Commit(state, pending, [1, 4])).Should().Throw<ArgumentOutOfRangeException>().WithMessage("Row 1 accepts 4 candidates, but 3 were verified.*");
            FluentActions.Invoking(() => model.Commit(state, pending, [-1, 0])).Should().Throw<ArgumentOutOfRangeException>().WithMessage("Row 0 accepts -1 candidates*");
            FluentActions.Invoking(() => model.Commit(state, pending, [1])).Should().Throw<ArgumentException>().WithMessage("Commit needs one accepted count per row: got 1, the batch has 2.*");
            state.Positions.Should().Equal(0, 0);
            model.Step(tokens.narrow(1, 0, 1), state);
            FluentActions.Invoking(() => model.Commit(state, pending, [1, 1])).Should().Throw<InvalidOperationException>().WithMessage("The state has changed since this verification*");
        }
        var (_, disposed) = model.Verify(tokens, state);
        disposed.Dispose();
        FluentActions.Invoking(() => model.Commit(state, disposed, [1, 1])).Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public void Learned_positions_stop_at_the_context_length()
    {
        using var scope = NewDisposeScope();
        using var model = ModelCatalog.Create("learned-layernorm-gelu");
        FluentActions.Invoking(() => model.Forward(ModelCatalog.Tokens(1, 49))).Should().Throw<ArgumentException>()
            .WithMessage("Forward: 49 tokens do not fit the learned position table of 48 positions*");
        using var state = model.CreateState(2);
        var tokens = ModelCatalog.Tokens(2, 48);
        model.Prefill(tokens.narrow(1, 0, 46), state);
        FluentActions.Invoking(() => model.Verify(tokens.narrow(1, 0, 3), state)).Should().Throw<ArgumentException>()
            .WithMessage("Verify: row 0 at position 46 would reach position 48 with 3 more tokens, but the learned position table covers positions 0..47*");
        state.Positions.Should().Equal(46, 46);
        model.Prefill(tokens.narrow(1, 46, 2), state).shape.Should().Equal(2, 2, ModelCatalog.VocabSize);
    }

    [Fact]
    public void A_rejected_call_leaves_the_state_usable()
    {
        using var scope = NewDisposeScope();
        using var model = ModelCatalog.Create("hybrid");
        var tokens = ModelCatalog.Tokens(batch: 1, time: 6);
        using var state = model.CreateState(1);
        model.Prefill(tokens.narrow(1, 0, 3), state);
        long version = state.Version;
        FluentActions.Invoking(() => model.Step(tensor(new long[] { 99 }, [1, 1]), state)).Should().Throw<ArgumentOutOfRangeException>();
        state.Positions.Should().Equal(3);
        state.Version.Should().Be(version);
        var stepped = model.Step(tokens.narrow(1, 3, 1), state);
        Forms.MaxAbsDiff(stepped, model.Forward(tokens).narrow(1, 3, 1)).Should().BeLessThan(1e-9);
    }

    [Fact]
    public void A_call_that_fails_part_way_through_the_layers_retires_the_state()
    {
        using var scope = NewDisposeScope();
        using var model = ModelCatalog.Create("hybrid");
        var tokens = ModelCatalog.Tokens(batch: 1, time: 2);
        using var state = model.CreateState(1);
        state.Layers[1].Dispose();
        // Layer 0 advances, layer 1 fails: the layers now disagree about the position.
        FluentActions.Invoking(() => model.Step(tokens.narrow(1, 0, 1), state)).Should().Throw<ObjectDisposedException>();
        FluentActions.Invoking(() => model.Step(tokens.narrow(1, 1, 1), state)).Should().Throw<InvalidOperationException>()
            .WithMessage("This decoding state can no longer be used: Step failed part-way through the layers*create a new one*");
        FluentActions.Invoking(() => model.Verify(tokens, state)).Should().Throw<InvalidOperationException>();
    }
}
