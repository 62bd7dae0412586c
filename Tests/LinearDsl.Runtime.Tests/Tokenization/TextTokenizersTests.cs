using LinearDsl.Runtime.Tokenization;

namespace LinearDsl.Runtime.Tests.Tokenization;

public sealed class TextTokenizersTests
{
    [Theory]
    [InlineData("byte", 256, null)]
    [InlineData("byte-eot", 257, 256L)]
    [InlineData("gpt2", 50257, 50256L)]
    public void Creates_every_known_tokenizer(string name, int vocabSize, long? endOfText)
    {
        var tokenizer = TextTokenizers.Create(name);
        tokenizer.Name.Should().Be(name);
        tokenizer.VocabSize.Should().Be(vocabSize);
        tokenizer.EndOfTextId.Should().Be(endOfText);
        TextTokenizers.Create(tokenizer.Name).Name.Should().Be(name, "the name recreates the tokenizer");
    }

    [Fact]
    public void Names_are_case_insensitive() => TextTokenizers.Create(" GPT2 ").Name.Should().Be("gpt2");

    [Fact]
    public void Names_lists_every_tokenizer() => TextTokenizers.Names.Should().Equal("byte", "byte-eot", "gpt2");

    [Fact]
    public void Unknown_names_list_the_known_ones()
    {
        FluentActions.Invoking(() => TextTokenizers.Create("llama")).Should().Throw<ArgumentException>()
            .WithMessage("Unknown tokenizer 'llama'. Known tokenizers: byte, byte-eot, gpt2.*");
        FluentActions.Invoking(() => TextTokenizers.Create(null!)).Should().Throw<ArgumentNullException>();
    }
}
