namespace LinearDsl.Runtime.Data;

/// <summary>Training and validation sequences packed from one corpus (see <see cref="SequencePacker.Pack"/>).</summary>
/// <param name="Train">Sequences to train on (at least one).</param>
/// <param name="Validation">Held-out sequences for evaluation (empty when the validation fraction is 0).</param>
/// <param name="VocabSize">Vocabulary size of the tokenizer that produced the ids; a model needs at least this many ids.</param>
/// <param name="Source">Where the text came from, for messages.</param>
public sealed record CorpusSplit(PackedSequences Train, PackedSequences Validation, int VocabSize, string Source)
{
    /// <summary>Tokens a model reads per sequence.</summary>
    public int ContextLength => Train.ContextLength;
}
