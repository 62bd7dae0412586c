using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

/// <summary>Input checks of <see cref="CausalLanguageModel"/>: bad input fails before any layer's state changes.</summary>
public sealed partial class CausalLanguageModel
{
    void CheckState(ModelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.ThrowIfUnusable();
        if (!ReferenceEquals(state.Owner, this))
            throw new ArgumentException("This state belongs to a different model; create it with this model's CreateState.", nameof(state));
    }

    /// <summary>Checks rank, dtype, batch and token ids; returns the time (or candidate) count.</summary>
    long CheckTokens(Tensor tokens, string form, ModelState? state)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        long[] shape = tokens.shape;
        if (shape.Length != 2)
            throw new ArgumentException($"{form}: tokens must have rank 2 [batch, time], got shape [{string.Join(", ", shape)}]; for one sequence add the batch dimension with unsqueeze(0).", nameof(tokens));
        if (tokens.dtype != ScalarType.Int64)
            throw new ArgumentException($"{form}: tokens must be int64 token ids, got {tokens.dtype}; convert them with to_type(ScalarType.Int64).", nameof(tokens));
        if (shape[0] == 0 || shape[1] == 0)
            throw new ArgumentException($"{form}: tokens of shape [{shape[0]}, {shape[1]}] are empty; pass at least one row and one token.", nameof(tokens));
        var parameterDevice = ParameterDevice.type;
        if (tokens.device_type != parameterDevice)
            throw new ArgumentException($"{form}: tokens are on {tokens.device_type} but the model's parameters are on {parameterDevice}; move the tokens with .to(device).", nameof(tokens));
        if (state is not null && shape[0] != state.Batch)
            throw new ArgumentException($"{form}: tokens have batch {shape[0]} but the state was created for batch {state.Batch}.", nameof(tokens));
        CheckTokenIds(tokens, form);
        return shape[1];
    }

    void CheckTokenIds(Tensor tokens, string form)
    {
        using var scope = NewDisposeScope();
        if (tokens.min().item<long>() >= 0 && tokens.max().item<long>() < VocabSize) return;
        var first = tokens.lt(0).logical_or_(tokens.ge(VocabSize)).nonzero()[0];
        long row = first[0].item<long>(), position = first[1].item<long>();
        long id = tokens[row, position].item<long>();
        throw new ArgumentOutOfRangeException(nameof(tokens), id,
            $"{form}: token id {id} at row {row}, position {position} is outside the vocabulary of {VocabSize} ids (0..{VocabSize - 1}).");
    }

    /// <summary>With a learned position table, every row must stay inside it.</summary>
    void CheckPositionTable(ModelState? state, long time, string form)
    {
        long? rows = PositionTableLength;
        if (rows is not long length) return;
        if (state is null)
        {
            if (time > length)
                throw new ArgumentException($"{form}: {time} tokens do not fit the learned position table of {length} positions (the context length); pass at most {length}.");
            return;
        }
        for (int b = 0; b < state.Batch; b++)
        {
            long end = state.Positions[b] + time;
            if (end > length)
                throw new ArgumentException($"{form}: row {b} at position {state.Positions[b]} would reach position {end - 1} with {time} more tokens, but the learned position table covers positions 0..{length - 1} (the context length).");
        }
    }

    static void CheckPending(ModelState state, ModelPending pending, ReadOnlySpan<long> accepted)
    {
        ArgumentNullException.ThrowIfNull(pending);
        if (pending.Tree is not null) throw new ArgumentException("This pending record comes from VerifyTree; commit it with CommitPath.", nameof(pending));
        LinearDsl.Runtime.Mixers.CommitChecks.Check(ReferenceEquals(pending.State, state), pending.Version, state.Version, pending.Candidates, state.Batch, accepted);
    }
}
