using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tests.Hosting;
using LinearDsl.Runtime.Training;

namespace LinearDsl.Runtime.Tests.Training;

public sealed class LoraTests
{
    static readonly LoraOptions Everything = new() { Rank = 2, Alpha = 4, Targets = LoraTargets.AllLayers | LoraTargets.Head, Seed = 3 };

    static CausalLanguageModel Model64(bool tied = false)
        => ModelFactory.Create(TrainingFixtures.Config(layers: 2) with { TieEmbeddings = tied }, seed: 4, dtype: ScalarType.Float64);

    static Tensor Tokens() => tensor(Enumerable.Range(0, 24).Select(i => (long)("the cat sat on the mat. "[i])).ToArray(), [2, 12]);

    static Tensor Logits(CausalLanguageModel model)
    {
        using var noGrad = no_grad();
        using var tokens = Tokens();
        return model.forward(tokens).detach();
    }

    static Dictionary<string, Tensor> Weights(CausalLanguageModel model)
        => model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

    static bool Same(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
    }

    /// <summary>Trains the adapters a few steps, so that B is no longer zero.</summary>
    static void TrainBriefly(CausalLanguageModel model, int steps = 3)
    {
        using var trainer = new Trainer(model, TrainingFixtures.Data(), TrainingFixtures.Options(steps));
        trainer.Train();
    }

    [Fact]
    public void New_adapters_leave_the_model_function_bit_identical_and_count_their_parameters()
    {
        using var model = Model64();
        using var before = Logits(model);
        using var adapters = LoraAdapters.Attach(model, Everything);

        using var after = Logits(model);
        Same(after, before).Should().BeTrue("B starts at zero");
        // Two layers x (qkv, o, gate, up, down) + head; rank 2: A is [2, in], B is [out, 2].
        adapters.Projections.Should().HaveCount(11).And.Contain("model.layers.1.mlp.down_proj").And.EndWith("lm_head");
        long expected = model.Layers.Sum(b => 2 * (b.Attention.QkvProjection.weight!.shape.Sum() + b.Attention.OutputProjection.weight!.shape.Sum()
            + ((SwiGluMlp)b.Mlp).GateProjection.weight!.shape.Sum() + ((SwiGluMlp)b.Mlp).UpProjection.weight!.shape.Sum() + ((SwiGluMlp)b.Mlp).DownProjection.weight!.shape.Sum()))
            + 2 * model.OutputHead!.weight!.shape.Sum();
        adapters.TrainableParameters.Should().Be(expected);
    }

    [Fact]
    public void Training_with_adapters_changes_only_the_adapters_and_keeps_every_model_weight_bit_identical()
    {
        using var model = TrainingFixtures.Model(seed: 6);
        var frozen = Weights(model);
        using var adapters = LoraAdapters.Attach(model, new LoraOptions { Rank = 4, Targets = LoraTargets.AllLayers });
        using var trainer = new Trainer(model, TrainingFixtures.Data(), TrainingFixtures.Options(steps: 30) with { LearningRate = 5e-2, MinLearningRate = 5e-3 });

        var result = trainer.Train();

        trainer.Adapters.Should().BeSameAs(adapters);
        result.Losses.TakeLast(5).Average().Should().BeLessThan(0.85 * result.Losses.Take(5).Average(), "the adapters alone must still learn");
        foreach (var (name, parameter) in model.named_parameters())
            Same(parameter, frozen[name]).Should().BeTrue($"{name} is frozen");
        using var scope = NewDisposeScope();
        adapters.Parameters.Where((_, i) => i % 2 == 1).Should().Contain(b => b.abs().max().item<float>() > 0, "B must have moved away from zero");
    }

    [Fact]
    public void A_merged_model_computes_what_the_model_with_adapters_computes_in_float64()
    {
        using var model = Model64();
        var adapters = LoraAdapters.Attach(model, Everything);
        TrainBriefly(model);
        using var withAdapters = Logits(model);
        var frozen = Weights(model);

        adapters.Merge();

        using var merged = Logits(model);
        merged.sub(withAdapters).abs().max().item<double>().Should().BeLessThan(1e-12);
        // Merging moved every adapted weight, and only those.
        foreach (var (name, parameter) in model.named_parameters())
        {
            bool adapted = name.Contains("proj") || name.Contains("lm_head");
            Same(parameter, frozen[name]).Should().Be(!adapted, name);
        }
        model.named_parameters().Should().OnlyContain(p => p.parameter.requires_grad, "merging unfreezes the model");
        model.DecodeProgram.Should().NotBeNull("merged weights decode fused again");
    }

    [Fact]
    public void While_adapters_are_attached_the_decode_program_is_detached_so_steps_see_them()
    {
        using var model = Model64();
        using var adapters = LoraAdapters.Attach(model, Everything);
        TrainBriefly(model);
        model.DecodeProgram.Should().BeNull();

        using var parallel = Logits(model);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var tokens = Tokens();
        var state = model.CreateState(2);
        model.Prefill(tokens.narrow(1, 0, 5), state);
        for (int t = 5; t < 12; t++)
        {
            var step = model.Step(tokens.narrow(1, t, 1), state);
            step.squeeze(1).sub(parallel.select(1, t)).abs().max().item<double>().Should().BeLessThan(1e-12, $"step {t}");
        }
    }

    [Fact]
    public void Saved_adapters_load_onto_a_fresh_copy_of_the_model_with_bit_identical_logits()
    {
        using var directory = new TemporaryDirectory();
        using var model = Model64();
        using var adapters = LoraAdapters.Attach(model, Everything);
        TrainBriefly(model);
        using var expected = Logits(model);
        adapters.Save(directory.Path);

        using var copy = Model64();
        using var loaded = LoraAdapters.Load(copy, directory.Path);

        loaded.Options.Should().Be(Everything);
        loaded.Projections.Should().Equal(adapters.Projections);
        using var actual = Logits(copy);
        Same(actual, expected).Should().BeTrue();
        Directory.GetFiles(directory.Path).Select(Path.GetFileName).Order().Should().Equal("adapter_config.json", "adapters.safetensors");
    }

    [Fact]
    public void Disposing_unmerged_adapters_restores_the_model_exactly()
    {
        using var model = Model64();
        var program = model.DecodeProgram;
        using var before = Logits(model);
        var adapters = LoraAdapters.Attach(model, Everything);
        TrainBriefly(model);

        adapters.Dispose();

        using var after = Logits(model);
        Same(after, before).Should().BeTrue();
        model.DecodeProgram.Should().BeSameAs(program);
        model.named_parameters().Should().OnlyContain(p => p.parameter.requires_grad);
        using var again = LoraAdapters.Attach(model, Everything);
        again.Projections.Should().HaveCount(11, "a model whose adapters were removed takes new ones");
    }

    [Fact]
    public void An_interrupted_LoRA_run_resumes_from_its_checkpoint_with_the_same_losses()
    {
        using var directory = new TemporaryDirectory();
        var data = TrainingFixtures.Data();
        var options = TrainingFixtures.Options(steps: 8) with { CheckpointInterval = 4 };
        var lora = new LoraOptions { Rank = 2, Targets = LoraTargets.Attention };

        TrainingResult full;
        using (var model = TrainingFixtures.Model(seed: 2))
        using (LoraAdapters.Attach(model, lora))
        using (var trainer = new Trainer(model, data, options with { CheckpointDirectory = directory.Sub("full") }))
            full = trainer.Train();

        string halfway = Path.Combine(directory.Sub("full"), "step-000004");
        Directory.Exists(Path.Combine(halfway, TrainingCheckpoint.AdaptersDirectoryName)).Should().BeTrue();
        using var resumed = Trainer.Resume(halfway, data, options with { CheckpointDirectory = directory.Sub("resumed") });
        resumed.Adapters.Should().NotBeNull();
        resumed.Train().Losses.Should().Equal(full.Losses, "the adapters and their moments are restored exactly");
    }

    [Fact]
    public void Bad_settings_and_misuse_are_refused_with_a_message_that_says_what_to_do()
    {
        using var tied = Model64(tied: true);
        var head = () => LoraAdapters.Attach(tied, new LoraOptions { Targets = LoraTargets.Head });
        head.Should().Throw<ArgumentException>().WithMessage("*tied to the token embedding*leave LoraTargets.Head out*");

        var rank = () => LoraAdapters.Attach(tied, new LoraOptions { Rank = 0, Alpha = double.NaN });
        rank.Should().Throw<ArgumentException>().WithMessage("*Rank must be positive (got 0)*Alpha must be a positive number*");

        using var adapters = LoraAdapters.Attach(tied, new LoraOptions());
        var twice = () => LoraAdapters.Attach(tied, new LoraOptions());
        twice.Should().Throw<InvalidOperationException>().WithMessage("*already has LoRA adapters*merge or dispose*");

        using var directory = new TemporaryDirectory();
        using var other = Model64();
        var missing = () => LoraAdapters.Load(other, directory.Path);
        missing.Should().Throw<FileNotFoundException>().WithMessage("*adapter_config.json' is missing*");

        adapters.Save(directory.Path);
        using var wider = ModelFactory.Create(TrainingFixtures.Config(width: 32, layers: 2) with { TieEmbeddings = true }, dtype: ScalarType.Float64);
        var misfit = () => LoraAdapters.Load(wider, directory.Path);
        misfit.Should().Throw<InvalidDataException>().WithMessage("*qkv_proj*has A [8, 16]*needs A [8, 32]*");
        wider.named_parameters().Should().OnlyContain(p => p.parameter.requires_grad, "a refused load leaves the model as it was");
    }
}
