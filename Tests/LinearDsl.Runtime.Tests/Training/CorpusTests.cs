using System.Text;
using LinearDsl.Runtime.Data;
using LinearDsl.Runtime.Tests.Hosting;

namespace LinearDsl.Runtime.Tests.Training;

public sealed class CorpusTests
{
    [Fact]
    public void A_file_is_tokenized_packed_into_overlapping_windows_and_its_tail_held_out()
    {
        using var directory = new TemporaryDirectory();
        string path = directory.Sub("corpus.txt");
        // 41 bytes with a BOM in front (skipped): (41 - 1) / 4 = 10 sequences, the last ceil(10 * 0.25) = 3 held out.
        string text = "abcdefghijklmnopqrstuvwxyz0123456789ABCDE";
        File.WriteAllText(path, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        var split = SequencePacker.Load(path, TrainingFixtures.Tokenizer, contextLength: 4, validationFraction: 0.25);

        split.VocabSize.Should().Be(256);
        split.ContextLength.Should().Be(4);
        split.Train.Count.Should().Be(7);
        split.Validation.Count.Should().Be(3);
        Encoding.ASCII.GetString(split.Train[0].ToArray().Select(id => (byte)id).ToArray()).Should().Be("abcde");
        Encoding.ASCII.GetString(split.Train[1].ToArray().Select(id => (byte)id).ToArray()).Should().Be("efghi");
        Encoding.ASCII.GetString(split.Train[6].ToArray().Select(id => (byte)id).ToArray()).Should().Be("yz012");
        Encoding.ASCII.GetString(split.Validation[0].ToArray().Select(id => (byte)id).ToArray()).Should().Be("23456");
        Encoding.ASCII.GetString(split.Validation[2].ToArray().Select(id => (byte)id).ToArray()).Should().Be("ABCDE");
        split.Validation.TargetTokenCount.Should().Be(12);
    }

    [Fact]
    public void A_batch_tensor_holds_the_chosen_sequences_row_by_row()
    {
        var split = SequencePacker.Pack(TokenCorpus.FromText("0123456789", TrainingFixtures.Tokenizer), contextLength: 3, validationFraction: 0);
        split.Train.Count.Should().Be(3);
        split.Validation.Count.Should().Be(0);
        using var batch = split.Train.Batch([2, 0]);
        batch.shape.Should().Equal(2, 4);
        batch.data<long>().ToArray().Should().Equal("67890123".Select(c => (long)c).ToArray());
    }

    [Fact]
    public void A_missing_corpus_file_is_named_in_the_error()
    {
        var load = () => SequencePacker.Load("/nonexistent/corpus.txt", TrainingFixtures.Tokenizer, 8);
        load.Should().Throw<FileNotFoundException>().WithMessage("*'/nonexistent/corpus.txt' does not exist*");
    }

    [Fact]
    public void An_empty_corpus_file_is_refused()
    {
        using var directory = new TemporaryDirectory();
        string path = directory.Sub("empty.txt");
        File.WriteAllText(path, " \n\n");
        var load = () => SequencePacker.Load(path, TrainingFixtures.Tokenizer, 8);
        load.Should().Throw<InvalidDataException>().WithMessage("*empty*");
    }

    [Fact]
    public void A_context_longer_than_the_corpus_says_how_many_tokens_are_needed()
    {
        var corpus = TokenCorpus.FromText("short text", TrainingFixtures.Tokenizer, "tiny text");
        var pack = () => SequencePacker.Pack(corpus, contextLength: 64, validationFraction: 0.1);
        pack.Should().Throw<InvalidDataException>()
            .WithMessage("*tiny text is too short for a context length of 64*10 tokens*need at least 129*");
        var noValidation = () => SequencePacker.Pack(corpus, contextLength: 9, validationFraction: 0);
        noValidation.Should().NotThrow();
    }

    [Theory]
    [InlineData(0, 0.1)]
    [InlineData(4, 1.0)]
    [InlineData(4, -0.1)]
    public void Out_of_range_packing_settings_are_refused(int context, double fraction)
    {
        var corpus = TokenCorpus.FromText(TrainingFixtures.Text, TrainingFixtures.Tokenizer);
        var pack = () => SequencePacker.Pack(corpus, context, fraction);
        pack.Should().Throw<ArgumentOutOfRangeException>();
    }
}
