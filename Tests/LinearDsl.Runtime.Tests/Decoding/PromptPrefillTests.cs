using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Hosting;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tokenization;

namespace LinearDsl.Runtime.Tests.Decoding;

/// <summary>Long prompts: prefilled in blocks (exactly as in one call), cancellable between blocks, and refused past the context.</summary>
public sealed class PromptPrefillTests
{
    static CausalLanguageModel Model(string kind, int context = 4096)
    {
        var mixer = kind == "softmax" ? MixerSpec.Softmax(2) : MixerSpec.AugmentedLinear(2, new AugmentedLinearAttentionOptions { GroupSize = 16, ConvTaps = 3, AlphaInit = 0.7 });
        var config = new ModelConfig { VocabSize = 256, Width = 16, Layers = 2, ContextLength = context, MlpHidden = 32, Mixer = mixer };
        return ModelFactory.Create(config, seed: 3, ScalarType.Float64);
    }

    static long[] Prompt(int length) => Enumerable.Range(0, length).Select(i => (long)(i * 7 % 256)).ToArray();

    [Theory]
    [InlineData("augmented")]
    [InlineData("softmax")]
    public void A_prompt_prefilled_in_blocks_decodes_as_one_prefilled_whole(string kind)
    {
        using var scope = NewDisposeScope();
        using var model = Model(kind);
        long[] prompt = Prompt(2 * ModelRows.PrefillBlock + 37);
        using var rows = new ModelRows(model, [prompt]);
        using var whole = model.CreateState(1);
        model.Prefill(tensor(prompt[..^1], [1, prompt.Length - 1], ScalarType.Int64), whole);

        var next = tensor(new[] { prompt[^1] }, [1, 1], ScalarType.Int64);
        var blocked = model.Step(next, rows.State);
        var expected = model.Step(next, whole);

        blocked.allclose(expected, rtol: 1e-10, atol: 1e-10).Should().BeTrue($"max difference {(blocked - expected).abs().max().ToDouble()}");
    }

    [Fact]
    public void A_cancelled_prefill_stops_before_feeding_the_prompt()
    {
        using var model = Model("augmented");
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        FluentActions.Invoking(() => new PlainDecoder(model).Start([Prompt(3000)], new GenerationOptions { MaxNewTokens = 1 }, cancellation.Token))
            .Should().Throw<OperationCanceledException>();
        FluentActions.Invoking(() => new SpeculativeDecoder(model, model).Start([Prompt(3000)], new GenerationOptions { MaxNewTokens = 1 }, cancellation.Token))
            .Should().Throw<OperationCanceledException>();
    }

    [Fact]
    public async Task A_prompt_longer_than_the_context_is_refused_before_prefill()
    {
        using var model = Model("augmented", context: 64);
        var generator = new TextGenerator(new ByteTokenizer(), new PlainDecoder(model));

        generator.MaxPromptTokens.Should().Be(64);
        var error = await FluentActions.Awaiting(() => generator.GenerateAsync(new string('a', 65))).Should().ThrowAsync<PromptTooLongException>();
        error.Which.Message.Should().Contain("65 tokens").And.Contain("context of 64 tokens");
        (await generator.GenerateAsync(new string('a', 64), new TextGenerationRequest { MaxNewTokens = 1, Temperature = 0 })).GeneratedTokenCount.Should().Be(1);
    }
}
