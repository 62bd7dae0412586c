using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Fused;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tests.Decoding;
using LinearDsl.Runtime.Tests.Modeling;

namespace LinearDsl.Runtime.Tests.Gated;

/// <summary>
/// Tiny float64 models whose mixers are the augmented form on a GLA-gated global term: the decode program (which
/// knows no gate) falls back to the tensor forms and stays exact, speculative greedy decoding emits the tokens of
/// plain greedy decoding, and config.json carries the gate.
/// </summary>
public sealed class AugmentedGlaModelTests
{
    static readonly AugmentedLinearAttentionOptions Gated = new() { GroupSize = 4, ConvTaps = 3, AlphaInit = 0.7, Gate = GateKind.Gla, GateTemperature = 4 };

    static CausalLanguageModel Create(int width, int layers, ulong seed)
    {
        var config = new ModelConfig
        {
            VocabSize = DecodingModels.Vocab, Width = width, Layers = layers, ContextLength = 64, MlpHidden = 2 * width,
            Mixer = MixerSpec.AugmentedLinear(2, Gated),
        };
        var model = ModelFactory.Create(config, seed, ScalarType.Float64);
        DecodingModels.Sharpen(model);
        // Data-dependent gates from the start (they start as the constant 0.99), and a conv that matters.
        using var _ = no_grad();
        var generator = new torch.Generator(seed + 100);
        foreach (var block in model.Layers)
        {
            var mixer = (AugmentedLinearAttention)block.Attention.Mixer;
            mixer.GateWeight!.copy_(randn(mixer.GateWeight.shape, ScalarType.Float64, generator: generator));
            mixer.GateBias!.copy_(randn(mixer.GateBias.shape, ScalarType.Float64, generator: generator));
            mixer.ConvWeight!.copy_(randn(mixer.ConvWeight.shape, ScalarType.Float64, generator: generator).mul(0.3));
        }
        return model;
    }

    [Fact]
    public void The_decode_program_falls_back_to_the_tensor_forms_and_matches_the_parallel_form()
    {
        using var scope = NewDisposeScope();
        using var model = Create(16, 2, seed: 1);
        model.DecodeProgram.Should().BeOfType<ConfigDecodeProgram>("the program is attached; its augmented layers take the tensor path");
        var tokens = ModelCatalog.Tokens(batch: 2, time: 20, seed: 3);
        var expected = model.Forward(tokens);                                 // [batch, time, vocab]
        using var state = model.CreateState(2);
        using (inference_mode())
        {
            model.Prefill(tokens.narrow(1, 0, 3), state);
            var (logits, pending) = model.Verify(tokens.narrow(1, 3, 5), state);
            Forms.MaxAbsDiff(logits, expected.narrow(1, 3, 5)).Should().BeLessThan(1e-10, "verified candidates");
            using (pending) model.Commit(state, pending, [5, 2]);
            // Rows now sit at positions 8 and 5: each steps through its own next tokens.
            for (int i = 0; i < 10; i++)
            {
                long[] positions = state.Positions.ToArray();
                var next = stack(positions.Select((p, b) => tokens[b, p]).ToArray()).view(2, 1);
                var step = model.Step(next, state);
                for (int b = 0; b < 2; b++)
                    Forms.MaxAbsDiff(step[b, 0], expected[b, positions[b]]).Should().BeLessThan(1e-10, $"step {i}, row {b}");
            }
        }
        state.Positions.Should().Equal(18, 15);
    }

    [Fact]
    public void Greedy_speculative_output_is_token_identical_to_plain_greedy()
    {
        using var target = Create(16, 2, seed: 1);
        using var draft = Create(8, 1, seed: 2);
        var options = new GenerationOptions { MaxNewTokens = 16, Sampling = SamplingOptions.Greedy };
        foreach (var (batch, promptSeed) in new[] { (1, 5), (1, 6), (3, 5) })
        {
            var prompts = DecodingModels.Prompts(batch, promptSeed);
            using var plain = new PlainDecoder(target).Start(prompts, options);
            plain.RunToEnd();
            foreach (bool adaptive in new[] { false, true })
            {
                for (int m = 1; m <= 7; m += 2)
                {
                    var speculation = new SpeculationOptions { DraftTokens = m, Adaptive = adaptive, MaxDraftTokens = 8 };
                    using var speculative = new SpeculativeDecoder(target, draft, speculation).Start(prompts, options);
                    speculative.RunToEnd();
                    for (int b = 0; b < batch; b++)
                        speculative.Generated[b].Should().Equal(plain.Generated[b], $"prompts {promptSeed}, batch {batch}, row {b}, m = {m}, adaptive = {adaptive}");
                }
            }
        }
    }

    [Fact]
    public void Config_json_carries_the_gate_and_round_trips()
    {
        var config = new ModelConfig { VocabSize = 32, Width = 16, Layers = 2, ContextLength = 64, MlpHidden = 32, Mixer = MixerSpec.AugmentedLinear(2, Gated) };
        var json = ModelConfigJson.Serialize(config);
        json.Should().Contain("\"gate\": \"gla\"").And.Contain("\"gate_temperature\": 4");
        ModelConfigJson.Deserialize(json).Should().Be(config);
        var plain = config with { Mixer = MixerSpec.AugmentedLinear(2) };
        // An ungated mixer's config.json is what it was before gates existed.
        ModelConfigJson.Serialize(plain).Should().NotContain("gate");
        var tempered = config with { Mixer = MixerSpec.AugmentedLinear(2, new AugmentedLinearAttentionOptions { GateTemperature = 8 }) };
        ModelConfigJson.Deserialize(ModelConfigJson.Serialize(tempered)).Should().Be(tempered, "a non-default temperature is written even without a gate");
        var act = () => ModelConfigJson.Deserialize(json.Replace("\"gate_temperature\": 4", "\"gate_temperature\": -1"));
        act.Should().Throw<InvalidDataException>().WithMessage("*GateTemperature is -1*");
    }
}
