using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Hosting;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tokenization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LinearDsl.Runtime.Tests.Hosting;

/// <summary>
/// AddLinearDsl picks the services by the target checkpoint's architecture: an encoder becomes an
/// IEmbeddingGenerator (pooled embeddings of the tokenized texts), a seq2seq model a text generator and chat client.
/// </summary>
public sealed class EncoderHostingTests : IDisposable
{
    readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    public static ModelConfig EncoderConfig(Pooling pooling = Pooling.Mean) => new()
    {
        Architecture = ModelArchitecture.Encoder,
        VocabSize = 257,
        MaskTokenId = 256,
        Pooling = pooling,
        Width = 16,
        Layers = 2,
        ContextLength = 64,
        MlpHidden = 32,
        Mixer = MixerSpec.Softmax(2, bidirectional: true),
    };

    public static ModelConfig Seq2SeqConfig() => new()
    {
        Architecture = ModelArchitecture.Seq2Seq,
        VocabSize = 257,
        Width = 16,
        Layers = 2,
        ContextLength = 64,
        MlpHidden = 32,
        Mixer = MixerSpec.Softmax(2),
        Encoder = new EncoderStackConfig { Layers = 1, Mixer = MixerSpec.Softmax(2, bidirectional: true) },
        CrossAttention = new CrossAttentionSpec { Kind = CrossAttentionKind.Softmax, Heads = 2, KvHeads = 2 },
        DecoderStartTokenId = 0,
    };

    string SavedEncoder(string name, Pooling pooling = Pooling.Mean)
    {
        string path = _directory.Sub(name);
        using var model = ModelFactory.CreateEncoder(EncoderConfig(pooling), seed: 3, dtype: ScalarType.Float64);
        Checkpoint.Save(model, path);
        return path;
    }

    string SavedSeq2Seq(string name)
    {
        string path = _directory.Sub(name);
        using var model = ModelFactory.CreateSeq2Seq(Seq2SeqConfig(), seed: 4, dtype: ScalarType.Float64);
        Checkpoint.Save(model, path);
        return path;
    }

    static ServiceProvider Provider(string target, string tokenizer, Action<LinearDslOptions>? more = null)
    {
        var services = new ServiceCollection();
        services.AddLinearDsl(options =>
        {
            options.Target.CheckpointDirectory = target;
            options.Tokenizer = tokenizer;
            options.ModelId = "tiny";
            more?.Invoke(options);
        });
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        provider.GetRequiredService<IStartupValidator>().Validate();
        return provider;
    }

    [Theory]
    [InlineData(Pooling.Mean)]
    [InlineData(Pooling.First)]
    public async Task An_encoder_checkpoint_is_an_embedding_generator_of_its_pooled_hidden_states(Pooling pooling)
    {
        string path = SavedEncoder("encoder", pooling);
        using var provider = Provider(path, "byte");
        var generator = provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        generator.GetService<EmbeddingGeneratorMetadata>()!.DefaultModelDimensions.Should().Be(16);
        generator.GetService<EmbeddingGeneratorMetadata>()!.DefaultModelId.Should().Be("tiny");

        string[] texts = ["In the beginning", "and", "God said, Let there be light"];
        var embeddings = await generator.GenerateAsync(texts);

        embeddings.Should().HaveCount(3);
        embeddings.Usage!.InputTokenCount.Should().Be(texts.Sum(t => System.Text.Encoding.UTF8.GetByteCount(t)));
        using var scope = NewDisposeScope();
        using var reference = Checkpoint.LoadEncoder(path);
        for (int i = 0; i < texts.Length; i++)
        {
            // The reference: the hidden states of the text's bytes, pooled here by hand.
            var bytes = System.Text.Encoding.UTF8.GetBytes(texts[i]).Select(b => (long)b).ToArray();
            var hidden = reference.Forward(tensor(bytes, [1, bytes.Length]))[0];
            var pooled = pooling == Pooling.Mean ? hidden.mean([0]) : hidden[0];
            double[] expected = pooled.data<double>().ToArray();
            embeddings[i].Vector.ToArray().Select(v => (double)v).Should().Equal(expected, (a, b) => Math.Abs(a - b) < 1e-6);
        }
        embeddings[0].Vector.ToArray().Should().NotEqual(embeddings[2].Vector.ToArray());
    }

    [Fact]
    public async Task The_embedding_of_a_text_does_not_depend_on_the_other_texts_of_the_request()
    {
        using var provider = Provider(SavedEncoder("encoder"), "byte");
        var generator = provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        var alone = await generator.GenerateAsync(["ab"]);
        var together = await generator.GenerateAsync(["a much longer text than the first", "ab"]);
        together[1].Vector.ToArray().Should().Equal(alone[0].Vector.ToArray());
    }

    [Fact]
    public async Task Bad_texts_are_refused_before_anything_is_computed()
    {
        using var provider = Provider(SavedEncoder("encoder"), "byte");
        var generator = provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        await FluentActions.Awaiting(() => generator.GenerateAsync(["fine", ""])).Should().ThrowAsync<ArgumentException>().WithMessage("*empty*");
        await FluentActions.Awaiting(() => generator.GenerateAsync([new string('x', 65)])).Should().ThrowAsync<PromptTooLongException>();
        await FluentActions.Awaiting(() => generator.GenerateAsync(["fine"], new EmbeddingGenerationOptions { Dimensions = 8 }))
            .Should().ThrowAsync<ArgumentException>().WithMessage("*16 dimensions; 8 were asked for*");
    }

    [Fact]
    public void An_encoder_generates_no_text_and_a_causal_lm_no_embeddings()
    {
        using (var provider = Provider(SavedEncoder("encoder"), "byte"))
        {
            FluentActions.Invoking(() => provider.GetRequiredService<ITextGenerator>()).Should().Throw<InvalidOperationException>()
                .WithMessage("*is an encoder, which generates no text*IEmbeddingGenerator*");
        }
        string causal = _directory.Sub("causal");
        using (var model = HostingModels.Target()) Checkpoint.Save(model, causal);
        using (var provider = Provider(causal, "byte-eot"))
        {
            FluentActions.Invoking(() => provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>()).Should().Throw<InvalidOperationException>()
                .WithMessage("*needs an encoder checkpoint*causal LM*Target:CheckpointDirectory*");
        }
    }

    [Fact]
    public async Task A_seq2seq_checkpoint_is_a_text_generator_that_decodes_the_source_greedily()
    {
        string path = SavedSeq2Seq("seq2seq");
        using var provider = Provider(path, "byte-eot");
        var generator = provider.GetRequiredService<ITextGenerator>().Should().BeOfType<Seq2SeqTextGenerator>().Subject;
        generator.Model.Should().BeSameAs(provider.GetRequiredKeyedService<Seq2SeqModel>(LinearDslServiceKeys.Target));

        var result = await generator.GenerateAsync("abc", new TextGenerationRequest { MaxNewTokens = 12, Temperature = 0 });

        result.PromptTokenCount.Should().Be(3);
        result.Statistics.TargetCalls.Should().Be(result.GeneratedTokenCount);
        // The reference: teacher-forced argmax, one token at a time, on a model loaded on its own.
        using var scope = NewDisposeScope();
        using var reference = Checkpoint.LoadSeq2Seq(path);
        var source = tensor(new long[] { 'a', 'b', 'c' }, [1, 3]);
        var target = new List<long> { 0 };
        for (int i = 0; i < 12; i++)
        {
            var logits = reference.Forward(source, tensor(target.ToArray(), [1, target.Count]));
            long next = logits[0, -1].argmax().item<long>();
            if (next == 256) break;
            target.Add(next);
        }
        var tokenizer = TextTokenizers.Create("byte-eot");
        result.Text.Should().Be(tokenizer.Decode(target.Skip(1)));
        result.GeneratedTokenCount.Should().Be(target.Count - 1 + (result.FinishReason == LinearDsl.Runtime.Decoding.FinishReason.EndOfText ? 1 : 0));

        var chat = provider.GetRequiredService<IChatClient>();
        var reply = await chat.GetResponseAsync("abc", new ChatOptions { Temperature = 0, MaxOutputTokens = 5 });
        reply.Usage!.OutputTokenCount.Should().BeLessThanOrEqualTo(5);
    }

    [Fact]
    public async Task A_seq2seq_draft_makes_the_text_generator_speculative_with_the_plain_greedy_text()
    {
        string target = SavedSeq2Seq("seq2seq");
        string draft = _directory.Sub("draft");
        using (var model = ModelFactory.CreateSeq2Seq(Seq2SeqConfig() with { Width = 8, Layers = 1 }, seed: 9, dtype: ScalarType.Float64)) Checkpoint.Save(model, draft);
        var request = new TextGenerationRequest { MaxNewTokens = 12, Temperature = 0 };
        string plain;
        using (var provider = Provider(target, "byte-eot")) plain = (await provider.GetRequiredService<ITextGenerator>().GenerateAsync("abc", request)).Text;

        using var speculative = Provider(target, "byte-eot", o => { o.Draft.CheckpointDirectory = draft; o.Speculation.DraftTokens = 3; });
        var generator = speculative.GetRequiredService<ITextGenerator>().Should().BeOfType<TextGenerator>().Subject;
        var decoder = generator.Decoder.Should().BeOfType<LinearDsl.Runtime.Decoding.Seq2SeqSpeculativeDecoder>().Subject;
        decoder.Draft.Should().BeSameAs(speculative.GetRequiredKeyedService<Seq2SeqModel>(LinearDslServiceKeys.Draft));
        var result = await generator.GenerateAsync("abc", request);
        result.Text.Should().Be(plain);
        result.Statistics.DraftCalls.Should().BePositive();
    }

    [Fact]
    public void Drafts_that_do_not_fit_a_non_causal_target_fail_at_start_in_one_line()
    {
        string seq2seq = SavedSeq2Seq("seq2seq"), encoder = SavedEncoder("encoder"), causal = _directory.Sub("causal");
        using (var model = HostingModels.Target()) Checkpoint.Save(model, causal);
        IReadOnlyList<string> Failures(string target, string draft, string tokenizer)
        {
            var services = new ServiceCollection();
            services.AddLinearDsl(options =>
            {
                options.Target.CheckpointDirectory = target;
                options.Draft.CheckpointDirectory = draft;
                options.Tokenizer = tokenizer;
            });
            using var provider = services.BuildServiceProvider();
            return FluentActions.Invoking(() => provider.GetRequiredService<IStartupValidator>().Validate()).Should().Throw<OptionsValidationException>().Which.Failures.ToList();
        }
        Failures(encoder, encoder, "byte").Should().ContainSingle(f => f.Contains("is an encoder", StringComparison.Ordinal) && f.Contains("generates no text", StringComparison.Ordinal));
        Failures(seq2seq, causal, "byte-eot").Should().ContainSingle(f => f.Contains("must be a seq2seq checkpoint", StringComparison.Ordinal));
    }
}
