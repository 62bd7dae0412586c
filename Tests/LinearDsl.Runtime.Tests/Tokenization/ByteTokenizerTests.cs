using System.Text;
using LinearDsl.Runtime.Tokenization;

namespace LinearDsl.Runtime.Tests.Tokenization;

public sealed class ByteTokenizerTests
{
    [Theory]
    [MemberData(nameof(SampleTexts.Data), MemberType = typeof(SampleTexts))]
    public void Round_trips_every_text(string text)
    {
        foreach (var tokenizer in new[] { new ByteTokenizer(), new ByteTokenizer(withEndOfText: true) })
            tokenizer.Decode(tokenizer.Encode(text)).Should().Be(text);
    }

    [Fact]
    public void Ids_are_the_utf8_bytes()
    {
        new ByteTokenizer().Encode("Aé€😀").Should().Equal(0x41, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80);
        new ByteTokenizer().Encode("").Should().BeEmpty();
    }

    [Fact]
    public void Layout_is_256_bytes_then_end_of_text()
    {
        var plain = new ByteTokenizer();
        plain.Name.Should().Be("byte");
        plain.VocabSize.Should().Be(256);
        plain.EndOfTextId.Should().BeNull();
        plain.SpecialTokens.Should().BeEmpty();

        var withEnd = new ByteTokenizer(withEndOfText: true);
        withEnd.Name.Should().Be("byte-eot");
        withEnd.VocabSize.Should().Be(257);
        withEnd.EndOfTextId.Should().Be(256);
        withEnd.SpecialTokens.Should().Equal(new Dictionary<string, long> { ["<|endoftext|>"] = 256 });
        withEnd.Decode([0x48, 0x69, 256]).Should().Be("Hi<|endoftext|>");
    }

    [Fact]
    public void Special_token_text_is_encoded_as_plain_bytes()
    {
        var tokenizer = new ByteTokenizer(withEndOfText: true);
        tokenizer.Encode("<|endoftext|>").Should().Equal(Encoding.UTF8.GetBytes("<|endoftext|>").Select(b => (long)b));
    }

    [Fact]
    public void Lone_surrogates_are_encoded_as_the_replacement_character()
    {
        var tokenizer = new ByteTokenizer();
        tokenizer.Decode(tokenizer.Encode("a\uD800b")).Should().Be("a\uFFFDb");
    }

    [Fact]
    public void Decoding_replaces_invalid_utf8()
    {
        var tokenizer = new ByteTokenizer();
        tokenizer.Decode([0x41, 0xFF, 0x42]).Should().Be("A\uFFFDB");
        tokenizer.Decode([0x41, 0xF0, 0x9F]).Should().Be("A\uFFFD");
    }

    [Fact]
    public void Out_of_range_ids_name_the_id_and_the_vocabulary_size()
    {
        FluentActions.Invoking(() => new ByteTokenizer().Decode([0x41, 256])).Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage("Token id 256 is out of range for the 'byte' tokenizer: its vocabulary size is 256 (ids 0 to 255).*");
        FluentActions.Invoking(() => new ByteTokenizer(withEndOfText: true).Decode([257])).Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage("Token id 257 is out of range for the 'byte-eot' tokenizer: its vocabulary size is 257 (ids 0 to 256).*");
        FluentActions.Invoking(() => new ByteTokenizer().Decode([-1])).Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage("Token id -1 is out of range*");
    }

    [Fact]
    public void Null_arguments_are_rejected()
    {
        FluentActions.Invoking(() => new ByteTokenizer().Encode(null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => new ByteTokenizer().Decode(null!)).Should().Throw<ArgumentNullException>();
    }
}
