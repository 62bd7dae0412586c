using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Fused;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tests.Decoding;
using LinearDsl.Runtime.Tests.Modeling;

namespace LinearDsl.Runtime.Tests.Gated;

/// <summary>DeltaNet inside a model: config.json, the decode program's fallback to the tensor path, speculative decoding.</summary>
public sealed class DeltaNetModelTests
{
    static ModelConfig Config(int width, int layers, int heads = 2, int? kvHeads = null) => new()
    {
        VocabSize = DecodingModels.Vocab, Width = width, Layers = layers, ContextLength = 64, MlpHidden = 2 * width,
        Mixer = MixerSpec.Of(heads, new DeltaNetOptions { ChunkSize = 4 }, kvHeads),
    };

    static CausalLanguageModel Create(ModelConfig config, int seed)
    {
        var model = ModelFactory.Create(config, seed: (ulong)seed, ScalarType.Float64);
        ModelCatalog.Randomize(model, seed);
        return model;
    }

    [Fact]
    public void Config_json_round_trips_the_kind_and_its_settings()
    {
        var config = Config(16, 2) with { LayerMixers = new Dictionary<int, MixerSpec> { [1] = MixerSpec.Of(4, new DeltaNetOptions { ChunkSize = 7, NormEps = 1e-5 }, 2) } };
        string json = ModelConfigJson.Serialize(config);
        json.Should().Contain("\"kind\": \"deltanet\"").And.Contain("\"chunk_size\": 7");
        var back = ModelConfigJson.Deserialize(json);
        back.Should().Be(config);
        back.MixerFor(1).Options.Should().Be(new DeltaNetOptions { ChunkSize = 7, NormEps = 1e-5 });
        back.MixerFor(0).Kind.Should().Be(MixerKind.Other);
    }

    [Fact]
    public void An_invalid_chunk_size_in_config_json_is_refused_with_the_setting_and_the_fix()
    {
        string json = ModelConfigJson.Serialize(Config(16, 1)).Replace("\"chunk_size\": 4", "\"chunk_size\": 0", StringComparison.Ordinal);
        var act = () => ModelConfigJson.Deserialize(json);
        act.Should().Throw<InvalidDataException>().WithMessage("*mixer.options (deltanet): DeltaNet.ChunkSize is 0; it must be positive*");
    }

    [Fact]
    public void The_decode_program_runs_deltanet_layers_through_their_tensor_form_exactly()
    {
        using var scope = NewDisposeScope();
        var config = Config(16, 2, heads: 4, kvHeads: 2) with { LayerMixers = new Dictionary<int, MixerSpec> { [0] = MixerSpec.Softmax(2) } };
        using var fused = Create(config, seed: 3);
        using var composed = Create(config, seed: 3);
        fused.DecodeProgram.Should().BeOfType<ConfigDecodeProgram>();
        composed.UseDecodeProgram(null);
        var tokens = ModelCatalog.Tokens(batch: 3, time: 20, seed: 4).remainder(DecodingModels.Vocab);
        using var fusedState = fused.CreateState(3);
        using var composedState = composed.CreateState(3);
        foreach (var (model, state) in new[] { (fused, fusedState), (composed, composedState) })
        {
            model.Prefill(tokens.narrow(1, 0, 3), state);
            var (_, pending) = model.Verify(tokens.narrow(1, 3, 5), state);
            using (pending) model.Commit(state, pending, [5, 2, 0]);
        }
        fusedState.Positions.Should().Equal(8, 5, 3);
        for (int t = 8; t < 20; t++)
        {
            var token = tokens.narrow(1, t, 1);
            var expected = composed.Step(token, composedState);
            Forms.MaxAbsDiff(fused.Step(token, fusedState), expected).Should().BeLessThan(1e-12, $"logits of step {t}");
        }
        var forward = composed.Forward(tokens.narrow(0, 2, 1).narrow(1, 0, 3));
        forward.abs().max().item<double>().Should().BeGreaterThan(0.1);
    }

    [Fact]
    public void A_checkpoint_keeps_the_beta_parameters_bit_exactly()
    {
        using var scope = NewDisposeScope();
        string directory = Path.Combine(Path.GetTempPath(), "deltanet-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var model = Create(Config(16, 2), seed: 6);
            Checkpoint.Save(model, directory);
            using var loaded = Checkpoint.Load(directory, ScalarType.Float64);
            loaded.Config.Should().Be(model.Config);
            var names = loaded.named_parameters().Select(p => p.name).Where(n => n.Contains("beta", StringComparison.Ordinal)).ToArray();
            names.Should().HaveCount(4);
            var tokens = ModelCatalog.Tokens(batch: 1, time: 9, seed: 8);
            loaded.Forward(tokens).equal(model.Forward(tokens)).all().item<bool>().Should().BeTrue();
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Forward_equals_the_step_loop_of_the_model()
    {
        using var scope = NewDisposeScope();
        using var model = Create(Config(16, 2), seed: 5);
        var tokens = ModelCatalog.Tokens(batch: 2, time: 13, seed: 2).remainder(DecodingModels.Vocab);
        var forward = model.Forward(tokens);
        using var state = model.CreateState(2);
        var steps = Enumerable.Range(0, 13).Select(t => model.Step(tokens.narrow(1, t, 1), state)).ToArray();
        Forms.MaxAbsDiff(cat(steps, 1), forward).Should().BeLessThan(1e-10);
    }

    [Fact]
    public void Greedy_speculative_output_is_token_identical_to_plain_greedy()
    {
        using var target = Create(Config(16, 2), seed: 1);
        using var draft = Create(Config(8, 1), seed: 2);
        DecodingModels.Sharpen(target);
        DecodingModels.Sharpen(draft);
        var options = new GenerationOptions { MaxNewTokens = 16, Sampling = SamplingOptions.Greedy };
        foreach (var (batch, promptSeed) in new[] { (1, 5), (1, 6), (3, 5) })
        {
            var prompts = DecodingModels.Prompts(batch, promptSeed);
            using var plain = new PlainDecoder(target).Start(prompts, options);
            plain.RunToEnd();
            foreach (int m in new[] { 1, 3, 5, 8 })
            {
                using var speculative = new SpeculativeDecoder(target, draft, new SpeculationOptions { DraftTokens = m }).Start(prompts, options);
                speculative.RunToEnd();
                for (int b = 0; b < batch; b++)
                    speculative.Generated[b].Should().Equal(plain.Generated[b], $"prompts {promptSeed}, batch {batch}, row {b}, m = {m}");
            }
        }
    }
}
