using System.Text;
using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Hosting;
using LinearDsl.Runtime.Tokenization;

namespace LinearDsl.Runtime.Tests.Hosting;

/// <summary>The text generator over a scripted decoder: every token boundary and round size is under the test's control.</summary>
public sealed class TextGeneratorTests
{
    static readonly ByteTokenizer Bytes = new(withEndOfText: true);

    static long[] Script(string text, params long[] more) => [.. Bytes.Encode(text), .. more];

    static async Task<(List<string> Chunks, TextGenerationResult Result)> Collect(ITextGenerator generator, string prompt, TextGenerationRequest? request = null)
    {
        var chunks = new List<string>();
        TextGenerationResult? result = null;
        await foreach (var update in generator.StreamAsync(prompt, request))
        {
            result.Should().BeNull("the result comes with the last update only");
            if (update.Result is null) update.Text.Should().NotBeEmpty("only the last update may be empty");
            chunks.Add(update.Text);
            result = update.Result;
        }
        result.Should().NotBeNull();
        return (chunks, result!);
    }

    [Theory]
    [InlineData(new[] { 1 })]
    [InlineData(new[] { 3, 1, 5 })]
    [InlineData(new[] { 7 })]
    [InlineData(new[] { 64 })]
    public async Task A_stop_sequence_across_tokens_and_rounds_cuts_the_text_and_stops_the_row(int[] rounds)
    {
        var decoder = new ScriptedDecoder(Bytes.VocabSize, Script("The answer is 42.\nUser: and then?\nUser: more"), rounds);
        var generator = new TextGenerator(Bytes, decoder);
        var (chunks, result) = await Collect(generator, "Q", new TextGenerationRequest { StopSequences = ["\nUser:"], MaxNewTokens = 60 });

        result.Text.Should().Be("The answer is 42.");
        string.Concat(chunks).Should().Be(result.Text);
        chunks.Should().NotContain(c => c.Contains('\n'), "the newline that starts the stop sequence is held back, never shown");
        result.FinishReason.Should().Be(FinishReason.Stopped);
        result.StopSequence.Should().Be("\nUser:");
        var session = decoder.Sessions.Single();
        session.FinishReasons[0].Should().Be(FinishReason.Stopped, "the row is stopped through DecodingSession.Stop");
        session.Disposed.Should().BeTrue();
        result.GeneratedTokenCount.Should().Be(session.Generated[0].Count).And.BeGreaterThanOrEqualTo(23);
    }

    [Fact]
    public async Task A_partial_match_that_fails_is_released_and_configured_stops_apply_with_the_request_s()
    {
        var decoder = new ScriptedDecoder(Bytes.VocabSize, Script("a <b> c <end"), 1);
        var generator = new TextGenerator(Bytes, decoder, new LinearDslGenerationOptions { StopSequences = ["<end>"] });
        var (chunks, result) = await Collect(generator, "x", new TextGenerationRequest { StopSequences = ["<b!"], MaxNewTokens = 12 });

        result.Text.Should().Be("a <b> c <end", "\"<b\" and \"<end\" never completed a stop sequence");
        result.FinishReason.Should().Be(FinishReason.Length);
        chunks[^2].Should().Be("<end", "the held-back tail is released at the end, before the result");
    }

    [Fact]
    public async Task Chunks_never_split_a_character_even_when_every_round_holds_one_byte()
    {
        const string text = "é😀中 ok 👍🏽!";
        var decoder = new ScriptedDecoder(Bytes.VocabSize, Script(text), 1);
        var (chunks, result) = await Collect(new TextGenerator(Bytes, decoder), "x", new TextGenerationRequest { MaxNewTokens = Bytes.Encode(text).Length });

        result.Text.Should().Be(text);
        string.Concat(chunks).Should().Be(text);
        foreach (var chunk in chunks.Where(c => c.Length > 0))
        {
            chunk.Should().NotContain("\uFFFD");
            Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(chunk)).Should().Be(chunk, "a chunk with a lone surrogate would not survive a UTF-8 round trip");
        }
        chunks.Should().Contain("😀");
    }

    [Fact]
    public async Task End_of_text_ends_the_text_without_its_own_text()
    {
        var decoder = new ScriptedDecoder(Bytes.VocabSize, Script("Done.", Bytes.EndOfTextId!.Value, 'x', 'y'), 2);
        var (_, result) = await Collect(new TextGenerator(Bytes, decoder), "x");

        result.Text.Should().Be("Done.");
        result.FinishReason.Should().Be(FinishReason.EndOfText);
        result.GeneratedTokenCount.Should().Be(6, "the end-of-text token counts as generated");
        decoder.Sessions.Single().Options.EndOfTextToken.Should().Be(256);
    }

    [Fact]
    public async Task The_token_limit_ends_the_text_and_an_incomplete_character_becomes_a_replacement()
    {
        var decoder = new ScriptedDecoder(Bytes.VocabSize, Script("abcd😀"), 4);
        var (_, limited) = await Collect(new TextGenerator(Bytes, decoder), "x", new TextGenerationRequest { MaxNewTokens = 4 });
        limited.Text.Should().Be("abcd");
        limited.FinishReason.Should().Be(FinishReason.Length);
        limited.GeneratedTokenCount.Should().Be(4);

        var (_, cut) = await Collect(new TextGenerator(Bytes, decoder), "x", new TextGenerationRequest { MaxNewTokens = 6 });
        cut.Text.Should().Be("abcd\uFFFD", "two of the emoji's four bytes are not a character");
    }

    [Fact]
    public async Task Request_values_replace_the_defaults_and_the_prompt_is_tokenized()
    {
        var decoder = new ScriptedDecoder(Bytes.VocabSize, Script("abcdefgh"), 1);
        var defaults = new LinearDslGenerationOptions { MaxNewTokens = 3, Temperature = 0.5, TopK = 7, TopP = 0.9, Seed = 11 };
        var generator = new TextGenerator(Bytes, decoder, defaults);

        await generator.GenerateAsync("hé");
        var first = decoder.Sessions[^1];
        first.Prompt.Should().Equal(Bytes.Encode("hé"));
        first.Options.Should().BeEquivalentTo(new GenerationOptions
        {
            MaxNewTokens = 3, EndOfTextToken = 256, Seed = 11, Sampling = new SamplingOptions { Temperature = 0.5, TopK = 7, TopP = 0.9 },
        });

        await generator.GenerateAsync("h", new TextGenerationRequest { MaxNewTokens = 2, Temperature = 0, TopK = 0, TopP = 1, Seed = 3 });
        decoder.Sessions[^1].Options.Should().BeEquivalentTo(new GenerationOptions
        {
            MaxNewTokens = 2, EndOfTextToken = 256, Seed = 3, Sampling = SamplingOptions.Greedy,
        });

        await FluentActions.Awaiting(() => generator.GenerateAsync("h", new TextGenerationRequest { TopP = 0 }))
            .Should().ThrowAsync<ArgumentOutOfRangeException>().WithMessage("TopP must be in (0, 1]*");
    }

    [Fact]
    public async Task An_empty_prompt_starts_from_end_of_text_or_is_refused()
    {
        var decoder = new ScriptedDecoder(Bytes.VocabSize, Script("ab"), 1);
        await new TextGenerator(Bytes, decoder).GenerateAsync("", new TextGenerationRequest { MaxNewTokens = 1 });
        decoder.Sessions.Single().Prompt.Should().Equal(256L);

        var plain = new ByteTokenizer();
        await FluentActions.Awaiting(() => new TextGenerator(plain, new ScriptedDecoder(plain.VocabSize, Script("ab"))).GenerateAsync(""))
            .Should().ThrowAsync<ArgumentException>().WithMessage("The prompt is empty and the tokenizer 'byte' has no end-of-text token*");
    }

    [Fact]
    public async Task Cancellation_stops_within_a_round_and_frees_the_session_and_the_models()
    {
        var decoder = new ScriptedDecoder(Bytes.VocabSize, Script(new string('a', 200)), 2);
        var generator = new TextGenerator(Bytes, decoder);
        using var cancellation = new CancellationTokenSource();
        int chunks = 0;
        var act = async () =>
        {
            await foreach (var _ in generator.StreamAsync("x", new TextGenerationRequest { MaxNewTokens = 200 }, cancellation.Token))
            {
                if (++chunks == 3) cancellation.Cancel();
            }
        };
        await act.Should().ThrowAsync<OperationCanceledException>();
        var session = decoder.Sessions.Single();
        session.Statistics.Rounds.Should().Be(3, "the round in progress finishes, no further round starts");
        session.Disposed.Should().BeTrue();

        // Leaving early frees the session too, and the models' lock is free for the next request.
        await foreach (var _ in generator.StreamAsync("x", new TextGenerationRequest { MaxNewTokens = 200 })) break;
        decoder.Sessions[^1].Disposed.Should().BeTrue();
        (await generator.GenerateAsync("x", new TextGenerationRequest { MaxNewTokens = 4 })).Text.Should().Be("aaaa");
    }

    [Fact]
    public async Task Concurrent_requests_on_the_same_models_run_one_after_the_other()
    {
        var decoder = new ScriptedDecoder(Bytes.VocabSize, Script(new string('a', 40)), 1) { RoundDelay = TimeSpan.FromMilliseconds(1) };
        var generator = new TextGenerator(Bytes, decoder);
        var requests = Enumerable.Range(0, 4).Select(_ => Task.Run(() => generator.GenerateAsync("x", new TextGenerationRequest { MaxNewTokens = 20 }))).ToArray();
        var results = await Task.WhenAll(requests);

        results.Should().AllSatisfy(r => r.Text.Should().Be(new string('a', 20)));
        decoder.Sessions.Should().HaveCount(4).And.AllSatisfy(s => s.Disposed.Should().BeTrue());
        decoder.MaxAlive.Should().Be(1, "a session starts only after the previous one was disposed");
    }
}
