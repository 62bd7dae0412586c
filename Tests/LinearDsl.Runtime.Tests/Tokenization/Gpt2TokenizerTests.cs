using LinearDsl.Runtime.Tokenization;
using Microsoft.ML.Tokenizers;

namespace LinearDsl.Runtime.Tests.Tokenization;

public sealed class Gpt2TokenizerTests
{
    // One instance for the class: the first one loads the vocabulary.
    static readonly Gpt2Tokenizer Tokenizer = new();

    [Theory]
    [MemberData(nameof(SampleTexts.Data), MemberType = typeof(SampleTexts))]
    public void Round_trips_every_text(string text) => Tokenizer.Decode(Tokenizer.Encode(text)).Should().Be(text);

    [Theory]
    [InlineData("Hello world", new long[] { 15496, 995 })]
    [InlineData("Hello, world!", new long[] { 15496, 11, 995, 0 })]
    [InlineData("Hello world<|endoftext|>", new long[] { 15496, 995, 50256 })]
    [InlineData("", new long[0])]
    public void Encodes_to_the_known_gpt2_ids(string text, long[] expected) => Tokenizer.Encode(text).Should().Equal(expected);

    [Fact]
    public void Has_gpt2_vocabulary_and_end_of_text()
    {
        Tokenizer.Name.Should().Be("gpt2");
        Tokenizer.VocabSize.Should().Be(50257);
        Tokenizer.EndOfTextId.Should().Be(50256);
        Tokenizer.SpecialTokens.Should().Equal(new Dictionary<string, long> { ["<|endoftext|>"] = 50256 });
        Tokenizer.Decode([15496, 50256]).Should().Be("Hello<|endoftext|>");
    }

    [Fact]
    public void A_token_can_hold_part_of_a_character()
    {
        // The premise of the byte-level streaming decoder: "😀" is two GPT-2 tokens, neither a whole character.
        var ids = Tokenizer.Encode("😀");
        ids.Should().HaveCount(2);
        Tokenizer.Decode(ids[..1]).Should().Be("\uFFFD");
        Tokenizer.Decode(ids).Should().Be("😀");
    }

    [Fact]
    public void Token_bytes_agree_with_the_library_decoder_for_every_id()
    {
        // Our id-to-bytes table is read from the data package directly; check it against Microsoft.ML.Tokenizers.
        var library = TiktokenTokenizer.CreateForModel("gpt2");
        int wholeCharacterTokens = 0;
        for (int id = 0; id < Tokenizer.VocabSize; id++)
        {
            string ours = Tokenizer.Decode([id]);
            ours.Should().Be(library.Decode([id]), $"id {id}");
            if (!ours.Contains('\uFFFD')) wholeCharacterTokens++;
        }
        wholeCharacterTokens.Should().BeGreaterThan(49_000, "almost every GPT-2 token is valid UTF-8 on its own");
    }

    [Fact]
    public void Out_of_range_ids_name_the_id_and_the_vocabulary_size()
    {
        FluentActions.Invoking(() => Tokenizer.Decode([15496, 50257])).Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage("Token id 50257 is out of range for the 'gpt2' tokenizer: its vocabulary size is 50257 (ids 0 to 50256).*");
        FluentActions.Invoking(() => Tokenizer.Decode([-5])).Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage("Token id -5 is out of range for the 'gpt2' tokenizer*");
        FluentActions.Invoking(() => Tokenizer.Encode(null!)).Should().Throw<ArgumentNullException>();
    }
}
