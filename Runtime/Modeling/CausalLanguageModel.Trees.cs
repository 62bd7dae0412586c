using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Mixers;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// Tree verification at the model level (docs/speculative.md, "Tree verification"): the embedding, norms and MLPs act
/// per token and every layer's mixer verifies the trees its own way, so each node's logits equal chain Verify of its
/// root-to-node path, in hybrids too. The attached decode program runs it when it serves the state (float32/float64
/// on the CPU: augmented linear and softmax attention by their managed kernels, every other mixer by its tree form),
/// else the composed modules; both leave the same records, so CommitPath takes either.
/// </summary>
public sealed partial class CausalLanguageModel
{
    /// <summary>
    /// Logits [batch, nodes, vocab] for one candidate tree per row (<paramref name="tokens"/> [batch, nodes], rows
    /// padded to the widest tree): node i's logits equal what chain <see cref="Verify"/> gives for the path root..i.
    /// Reads the state and never writes it; pass the record to <see cref="CommitPath"/>, then dispose it.
    /// </summary>
    /// <exception cref="NotSupportedException">The model runs int8 weights and its decode program cannot serve this state.</exception>
    public ModelVerifyResult VerifyTree(Tensor tokens, ModelState state, IReadOnlyList<CandidateTree> trees)
    {
        CheckState(state);
        long width = CheckTokens(tokens, nameof(VerifyTree), state);
        var layout = TreeLayout.Create(trees, state.Batch, width, nameof(VerifyTree));
        CheckPositionTable(state, layout.Height, nameof(VerifyTree));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // With Medusa heads the final hidden state of every node comes along (the heads read it), as in Verify.
        bool withHidden = medusa is not null;
        if (_decodeProgram?.TryVerifyTree(this, tokens, state, layout, withHidden) is { } fused)
            return new ModelVerifyResult(fused.Logits.MoveToOuterDisposeScope(), new ModelPending(state, width, fused.Pending) { Tree = layout }) { Hidden = fused.Hidden?.MoveToOuterDisposeScope() };
        if (_int8 is not null)
            throw Int8Unserved(state);
        var x = EmbedTree(tokens, state, layout);
        var pending = new List<PendingCommit>(_layers.Length);
        try
        {
            for (int i = 0; i < _layers.Length; i++)
            {
                var result = _layers[i].VerifyTree(x, state.Layers[i], layout);
                pending.Add(result.Pending);
                x = result.Output;
            }
            var (logits, hidden) = MoveOut(Output(x, withHidden));
            return new ModelVerifyResult(logits, new ModelPending(state, width, pending.ToArray()) { Tree = layout }) { Hidden = hidden };
        }
        catch
        {
            foreach (var record in pending) record.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Accepts one root-to-node path of its tree per row (node indices; an empty path accepts nothing): the state
    /// becomes exactly the one that committing the path's tokens as a chain leaves.
    /// </summary>
    public void CommitPath(ModelState state, ModelPending pending, IReadOnlyList<IReadOnlyList<int>> paths)
    {
        CheckState(state);
        ArgumentNullException.ThrowIfNull(pending);
        if (pending.Tree is not { } layout)
            throw new ArgumentException("This pending record comes from a chain Verify; commit it with Commit, or verify a tree with VerifyTree.", nameof(pending));
        if (!ReferenceEquals(pending.State, state))
            throw new ArgumentException("The pending record was verified against a different state; commit it to the state passed to VerifyTree.", nameof(pending));
        if (pending.Version != state.Version)
            throw new InvalidOperationException($"The state has changed since this verification (version {pending.Version}, now {state.Version}); verify again before committing.");
        layout.CheckPaths(paths, nameof(CommitPath));
        var layerPending = pending.Layers;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        try
        {
            for (int i = 0; i < _layers.Length; i++) _layers[i].Attention.Mixer.CommitPath(state.Layers[i], layerPending[i], paths);
        }
        catch (Exception error)
        {
            state.MarkBroken(nameof(CommitPath), error);
            throw;
        }
        state.Advance();
    }

    /// <summary>Token embeddings plus, with a learned table, the embedding of each node's position (row position + depth).</summary>
    Tensor EmbedTree(Tensor tokens, ModelState state, TreeLayout layout)
    {
        var x = model.embed_tokens.forward(tokens);
        var table = model.embed_positions;
        if (table is null) return x;
        var positions = tensor(layout.Positions(state.Positions), [layout.Batch, layout.Width], device: tokens.device);
        return x.add(table.forward(positions));
    }
}
