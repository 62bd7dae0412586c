using LinearDsl.Generators.Tests.Declared;
using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Generators.Tests;

/// <summary>The models generated from DeclaredModels.cs, run: three exact forms, causality, checkpoints.</summary>
public sealed class GeneratedModelTests
{
    const double Tolerance = 1e-9;

    public static TheoryData<string> Declared => new() { "TinyAugmented", "TinyHedgehog", "TinySoftmaxGpt", "TinyHybrid", "TinyGqa", "TinyDraft" };

    internal static CausalLanguageModel CreateDeclared(string name, ulong seed = 1) => Create(name, seed);

    static CausalLanguageModel Create(string name, ulong seed = 1) => name switch
    {
        "TinyAugmented" => TinyAugmented.Create(seed, ScalarType.Float64),
        "TinyHedgehog" => TinyHedgehog.Create(seed, ScalarType.Float64),
        "TinySoftmaxGpt" => TinySoftmaxGpt.Create(seed, ScalarType.Float64),
        "TinyHybrid" => TinyHybrid.Create(seed, ScalarType.Float64),
        "TinyGqa" => TinyGqa.Create(seed, ScalarType.Float64),
        "TinyDraft" => TinyDraft.Create(seed, ScalarType.Float64),
        _ => throw new ArgumentException(name),
    };

    static Tensor Tokens(long batch, long time, int seed = 3)
        => randint(0, 48, [batch, time], dtype: ScalarType.Int64, generator: new torch.Generator((ulong)seed));

    [Theory]
    [MemberData(nameof(Declared))]
    public void Forward_step_loop_and_verify_commit_agree(string name)
    {
        using var scope = NewDisposeScope();
        using var model = Create(name);
        // Alpha and the conv kernel start at zero; give them values so that every part of the mixer counts.
        RandomizeMixers(model);
        var tokens = Tokens(batch: 3, time: 19);
        var expected = model.Forward(tokens);

        using (var state = model.CreateState(3))
        {
            var steps = Enumerable.Range(0, 19).Select(t => model.Step(tokens.narrow(1, t, 1), state)).ToArray();
            MaxAbsDiff(cat(steps, 1), expected).Should().BeLessThan(Tolerance, "Step loop vs Forward");
        }
        using (var state = model.CreateState(3))
        {
            var parts = new List<Tensor> { model.Prefill(tokens.narrow(1, 0, 5), state) };
            for (long start = 5; start < 19; start += 7)
            {
                long m = Math.Min(7, 19 - start);
                var (logits, pending) = model.Verify(tokens.narrow(1, start, m), state);
                using (pending) model.Commit(state, pending, [m, m, m]);
                parts.Add(logits);
            }
            MaxAbsDiff(cat(parts, 1), expected).Should().BeLessThan(Tolerance, "Prefill + Verify/Commit vs Forward");
        }
    }

    [Theory]
    [MemberData(nameof(Declared))]
    public void Changing_a_token_leaves_earlier_logits_bit_identical(string name)
    {
        using var scope = NewDisposeScope();
        using var model = Create(name);
        RandomizeMixers(model);
        var tokens = Tokens(batch: 1, time: 12);
        var changed = tokens.clone();
        changed[0, 7] = (tokens[0, 7].item<long>() + 5) % 48;
        var (before, after) = (model.Forward(tokens), model.Forward(changed));
        before.narrow(1, 0, 7).equal(after.narrow(1, 0, 7)).all().item<bool>().Should().BeTrue("logits before the changed token must not move");
        before.narrow(1, 7, 1).equal(after.narrow(1, 7, 1)).all().item<bool>().Should().BeFalse("the changed token's own logits must move");
    }

    [Fact]
    public void The_generated_config_is_the_hand_written_one_and_builds_the_same_model()
    {
        using var scope = NewDisposeScope();
        var byHand = new ModelConfig
        {
            VocabSize = 48, Width = 16, Layers = 3, ContextLength = 32, MlpHidden = 48,
            Mixer = MixerSpec.AugmentedLinear(2, new AugmentedLinearAttentionOptions { GroupSize = 4, ConvTaps = 3 }, kvHeads: 2),
            LayerMixers = new Dictionary<int, MixerSpec> { [0] = MixerSpec.Softmax(2, kvHeads: 2) },
        };
        TinyHybrid.Config.Should().Be(byHand);
        using var generated = TinyHybrid.Create(seed: 5, ScalarType.Float64);
        using var composed = ModelFactory.Create(byHand, seed: 5, ScalarType.Float64);
        var tokens = Tokens(batch: 2, time: 9);
        generated.Forward(tokens).equal(composed.Forward(tokens)).all().item<bool>().Should().BeTrue();
    }

    [Fact]
    public void Groups_count_per_context_window()
    {
        // [LinearAttention(Groups = 4)] with ContextLength = 32: groups of 8 tokens.
        TinyAugmented.Config.Mixer.Augmented!.GroupSize.Should().Be(8);
        TinyAugmented.Config.Mixer.Augmented.Conv.Should().BeTrue();
    }

    [Fact]
    public void Save_and_load_round_trip_bit_exactly_and_refuse_another_architecture()
    {
        using var scope = NewDisposeScope();
        var directory = Path.Combine(Path.GetTempPath(), "lineardsl-generated-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var model = TinyGqa.Create(seed: 7, ScalarType.Float64);
            RandomizeMixers(model);
            TinyGqa.Save(model, directory);
            using var loaded = TinyGqa.Load(directory);
            var tokens = Tokens(batch: 2, time: 10);
            loaded.Forward(tokens).equal(model.Forward(tokens)).all().item<bool>().Should().BeTrue();

            var act = () => TinyAugmented.Load(directory);
            act.Should().Throw<InvalidDataException>().WithMessage("*different architecture than TinyAugmented*");
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_draft_names_its_target()
    {
        TinyDraft.DraftTarget.Should().Be(typeof(TinyAugmented));
        TinyDraft.Config.VocabSize.Should().Be(TinyAugmented.Config.VocabSize);
    }

    internal static void RandomizeMixers(CausalLanguageModel model)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var generator = new torch.Generator(11);
        foreach (var (name, p) in model.named_parameters())
        {
            if (name.EndsWith("alpha") || name.EndsWith("conv_weight"))
                p.copy_(randn(p.shape, p.dtype, generator: generator).mul(0.5));
        }
    }

    static double MaxAbsDiff(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return a.sub(b).abs().max().item<double>();
    }
}
