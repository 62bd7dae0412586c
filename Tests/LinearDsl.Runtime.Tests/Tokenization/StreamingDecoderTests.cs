using System.Text;
using LinearDsl.Runtime.Tokenization;

namespace LinearDsl.Runtime.Tests.Tokenization;

/// <summary>Streamed text is whole characters at every point and concatenates to the full decode.</summary>
public sealed class StreamingDecoderTests
{
    static readonly Dictionary<string, ITextTokenizer> Tokenizers = new()
    {
        ["byte"] = new ByteTokenizer(),
        ["byte-eot"] = new ByteTokenizer(withEndOfText: true),
        ["gpt2"] = new Gpt2Tokenizer(),
    };

    static readonly ByteTokenizer Bytes = new();

    [Theory]
    [MemberData(nameof(SampleTexts.WithTokenizers), MemberType = typeof(SampleTexts))]
    public void Every_split_into_two_spans_streams_the_full_text(string tokenizerName, string text)
    {
        var tokenizer = Tokenizers[tokenizerName];
        long[] ids = tokenizer.Encode(text);
        var decoder = tokenizer.CreateStreamingDecoder();
        for (int split = 0; split <= ids.Length; split++)
        {
            string[] chunks = [decoder.Append(ids.AsSpan(0, split)), decoder.Append(ids.AsSpan(split)), decoder.Flush()];
            foreach (var chunk in chunks) SampleTexts.ShouldHoldWholeCharacters(chunk);
            string.Concat(chunks).Should().Be(text, $"split after {split} of {ids.Length} ids");
            chunks[2].Should().BeEmpty("valid text leaves nothing to flush");
        }
    }

    [Theory]
    [MemberData(nameof(SampleTexts.WithTokenizers), MemberType = typeof(SampleTexts))]
    public void One_id_at_a_time_streams_the_full_text(string tokenizerName, string text)
    {
        var tokenizer = Tokenizers[tokenizerName];
        var decoder = tokenizer.CreateStreamingDecoder();
        var streamed = new StringBuilder();
        foreach (long id in tokenizer.Encode(text))
        {
            string chunk = decoder.Append(id);
            SampleTexts.ShouldHoldWholeCharacters(chunk);
            decoder.PendingByteCount.Should().BeInRange(0, 3);
            streamed.Append(chunk);
            // Nothing complete is held back: what was emitted is a prefix of the text, and the rest is pending bytes.
            text.Should().StartWith(streamed.ToString());
        }
        decoder.PendingByteCount.Should().Be(0);
        decoder.Flush().Should().BeEmpty();
        streamed.ToString().Should().Be(text);
    }

    [Fact]
    public void Multi_byte_characters_appear_when_their_last_byte_arrives()
    {
        var decoder = Bytes.CreateStreamingDecoder();
        decoder.Append(0xC3).Should().BeEmpty();
        decoder.PendingByteCount.Should().Be(1);
        decoder.Append(0xA9).Should().Be("é");

        foreach (long id in new long[] { 0xE2, 0x82 }) decoder.Append(id).Should().BeEmpty();
        decoder.Append(0xAC).Should().Be("€");

        foreach (long id in new long[] { 0xF0, 0x9F, 0x98 }) decoder.Append(id).Should().BeEmpty();
        decoder.PendingByteCount.Should().Be(3);
        decoder.Append(0x80).Should().Be("😀");
        decoder.PendingByteCount.Should().Be(0);
    }

    [Fact]
    public void A_gpt2_token_with_half_an_emoji_is_held_back()
    {
        var tokenizer = Tokenizers["gpt2"];
        var ids = tokenizer.Encode("A😀");
        var decoder = tokenizer.CreateStreamingDecoder();
        var chunks = ids.Select(id => decoder.Append(id)).ToList();
        chunks.Should().Equal("A", "", "😀");
    }

    [Fact]
    public void Incomplete_bytes_at_the_end_are_flushed_as_replacement_characters()
    {
        var decoder = Bytes.CreateStreamingDecoder();
        decoder.Append([0x41, 0xF0, 0x9F]).Should().Be("A");
        decoder.Flush().Should().Be("\uFFFD");
        decoder.PendingByteCount.Should().Be(0);
        decoder.Append(0x42).Should().Be("B", "Flush leaves the decoder ready for a new stream");
        decoder.Flush().Should().BeEmpty();

        var gpt2 = Tokenizers["gpt2"];
        var halfEmoji = gpt2.Encode("😀")[..1];
        var gpt2Decoder = gpt2.CreateStreamingDecoder();
        gpt2Decoder.Append(halfEmoji).Should().BeEmpty();
        gpt2Decoder.Flush().Should().Be("\uFFFD");
    }

    [Fact]
    public void Invalid_bytes_become_replacement_characters_as_soon_as_they_are_known_invalid()
    {
        var decoder = Bytes.CreateStreamingDecoder();
        decoder.Append(0x80).Should().Be("\uFFFD", "a continuation byte cannot start a character");
        decoder.Append(0xFF).Should().Be("\uFFFD");
        decoder.Append(0xC3).Should().BeEmpty();
        decoder.Append(0x41).Should().Be("\uFFFDA", "a lead byte followed by ASCII is invalid");
        decoder.Append([0xED, 0xA0, 0x80]).Should().Be("\uFFFD\uFFFD\uFFFD", "an encoded surrogate is not UTF-8");
    }

    [Fact]
    public void Random_bytes_stream_to_the_same_text_as_whole_decoding()
    {
        // Bytes drawn mostly from lead and continuation bytes, so that valid, truncated and invalid sequences all occur.
        var random = new Random(1234);
        byte[] palette = [0x41, 0x20, 0x80, 0x9F, 0xA9, 0xBF, 0xC3, 0xC0, 0xE2, 0xED, 0xF0, 0xF4, 0xF5, 0xFF];
        for (int sample = 0; sample < 500; sample++)
        {
            long[] ids = Enumerable.Range(0, random.Next(0, 12)).Select(_ => (long)palette[random.Next(palette.Length)]).ToArray();
            string expected = Encoding.UTF8.GetString(ids.Select(id => (byte)id).ToArray());
            Bytes.Decode(ids).Should().Be(expected);
            StreamOneByOne(Bytes, ids).Should().Be(expected, $"bytes {string.Join(" ", ids.Select(id => id.ToString("X2")))}");
        }
    }

    [Fact]
    public void Random_gpt2_ids_stream_to_the_same_text_as_whole_decoding()
    {
        var tokenizer = Tokenizers["gpt2"];
        var random = new Random(99);
        for (int sample = 0; sample < 200; sample++)
        {
            long[] ids = Enumerable.Range(0, random.Next(0, 16)).Select(_ => (long)random.Next(tokenizer.VocabSize)).ToArray();
            StreamOneByOne(tokenizer, ids).Should().Be(tokenizer.Decode(ids), $"ids {string.Join(", ", ids)}");
        }
    }

    [Fact]
    public void A_bad_id_throws_and_leaves_the_decoder_unchanged()
    {
        var decoder = Bytes.CreateStreamingDecoder();
        decoder.Append(0xC3).Should().BeEmpty();
        FluentActions.Invoking(() => decoder.Append([0xA9, 300])).Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage("Token id 300 is out of range for the 'byte' tokenizer: its vocabulary size is 256 (ids 0 to 255).*");
        FluentActions.Invoking(() => decoder.Append(-1)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("Token id -1*");
        decoder.PendingByteCount.Should().Be(1);
        decoder.Append(0xA9).Should().Be("é");

        var gpt2Decoder = Tokenizers["gpt2"].CreateStreamingDecoder();
        FluentActions.Invoking(() => gpt2Decoder.Append(50257)).Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage("Token id 50257 is out of range for the 'gpt2' tokenizer: its vocabulary size is 50257*");
    }

    [Fact]
    public void Long_spans_decode_in_one_call()
    {
        string text = string.Concat(Enumerable.Repeat("€😀é", 200));
        var decoder = Bytes.CreateStreamingDecoder();
        decoder.Append(Bytes.Encode(text)).Should().Be(text);
    }

    static string StreamOneByOne(ITextTokenizer tokenizer, long[] ids)
    {
        var decoder = tokenizer.CreateStreamingDecoder();
        var streamed = new StringBuilder();
        foreach (long id in ids)
        {
            string chunk = decoder.Append(id);
            SampleTexts.ShouldHoldWholeCharacters(chunk, allowReplacementCharacter: true);
            streamed.Append(chunk);
        }
        string rest = decoder.Flush();
        SampleTexts.ShouldHoldWholeCharacters(rest, allowReplacementCharacter: true);
        return streamed.Append(rest).ToString();
    }
}
