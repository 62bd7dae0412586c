using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Fused;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tests.Decoding;
using LinearDsl.Runtime.Tests.Modeling;

namespace LinearDsl.Runtime.Tests.Int8;

/// <summary>
/// A model with int8 weights computes one function in every form: Forward, a long prefill (blocks through the
/// program), steps and verifications agree within 1e-9 in float64 for every catalog configuration; it differs
/// from the float model by the quantization only; it saves and loads bit for bit (I8 + scales in the file), and a
/// float checkpoint loaded with int8Weights gives the same model; greedy speculative decoding with an int8 target
/// emits exactly the int8 target's greedy tokens; forms it cannot serve refuse instead of computing another function.
/// </summary>
public sealed class Int8ModelTests : IDisposable
{
    const double Tolerance = 1e-9;
    readonly string _directory = Directory.CreateTempSubdirectory("lineardsl-int8-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [MemberData(nameof(ModelCatalog.Names), MemberType = typeof(ModelCatalog))]
    public void Forward_prefill_steps_and_verification_compute_one_int8_function(string name)
    {
        using var scope = NewDisposeScope();
        using var model = ModelCatalog.Create(name);
        using var reference = ModelCatalog.Create(name);
        model.QuantizeToInt8();
        model.HasInt8Weights.Should().BeTrue();
        reference.HasInt8Weights.Should().BeFalse();
        // 40 tokens: the forward and the prefill cross a block boundary of the program (32).
        var tokens = ModelCatalog.Tokens(batch: 2, time: 40, seed: 3);
        var forward = model.Forward(tokens);
        var floatForward = reference.Forward(tokens);
        double scale = floatForward.abs().max().item<double>();
        scale.Should().BeGreaterThan(0.1);
        double quantization = Forms.MaxAbsDiff(forward, floatForward);
        quantization.Should().BeGreaterThan(1e-6, "the int8 projections run");
        quantization.Should().BeLessThan(0.1 * scale, "int8 weights change the logits by the quantization only");

        using (var state = model.CreateState(2))
            Forms.MaxAbsDiff(model.Prefill(tokens, state), forward).Should().BeLessThan(Tolerance, "a 40-token prefill");

        using (var state = model.CreateState(2))
        {
            Forms.MaxAbsDiff(model.Prefill(tokens.narrow(1, 0, 5), state), forward.narrow(1, 0, 5)).Should().BeLessThan(Tolerance);
            var (verified, pending) = model.Verify(tokens.narrow(1, 5, 6), state);
            Forms.MaxAbsDiff(verified, forward.narrow(1, 5, 6)).Should().BeLessThan(Tolerance, "verified candidates");
            using (pending) model.Commit(state, pending, [6, 6]);
            for (int t = 11; t < 40; t++)
                Forms.MaxAbsDiff(model.Step(tokens.narrow(1, t, 1), state), forward.narrow(1, t, 1)).Should().BeLessThan(Tolerance, $"step {t}");
        }
    }

    [Fact]
    public void Quantizing_covers_the_projections_and_the_untied_head_and_leaves_the_rest_float()
    {
        using var scope = NewDisposeScope();
        using var untied = ModelCatalog.Create("gqa");
        using var tied = ModelCatalog.Create("tied");
        var embedding = tied.TokenEmbedding.weight!.clone();
        untied.QuantizeToInt8();
        tied.QuantizeToInt8();
        untied.Int8Weights!.ByKey.Keys.Should().Contain("lm_head.weight").And.HaveCount(2 * 5 + 1);
        tied.Int8Weights!.ByKey.Keys.Should().NotContain(k => k.Contains("embed"), "a tied head is the embedding table, which stays float");
        ModelForms.BitIdentical(tied.TokenEmbedding.weight!, embedding).Should().BeTrue();
        // The float parameters hold the dequantized weights.
        var matrix = untied.Int8Weights.ByKey["model.layers.1.mlp.down_proj.weight"];
        var expected = new double[matrix.Outputs * matrix.Inputs];
        matrix.Dequantize<double>(expected);
        untied.state_dict()["model.layers.1.mlp.down_proj.weight"].data<double>().ToArray().Should().Equal(expected);
    }

    [Theory]
    [InlineData("gqa")]
    [InlineData("learned-layernorm-gelu")]
    [InlineData("hybrid")]
    public void A_saved_int8_checkpoint_loads_bit_for_bit_and_equals_a_float_checkpoint_loaded_with_int8Weights(string name)
    {
        using var scope = NewDisposeScope();
        using var model = ModelCatalog.Create(name);
        string floatDirectory = Path.Combine(_directory, "float"), int8Directory = Path.Combine(_directory, "int8");
        Checkpoint.Save(model, floatDirectory);
        model.QuantizeToInt8();
        Checkpoint.Save(model, int8Directory);

        var entries = SafetensorsHeader.Read(Path.Combine(int8Directory, Checkpoint.WeightsFileName)).Entries.ToDictionary(e => e.Name);
        entries["model.layers.0.self_attn.q_proj.weight"].Dtype.Should().Be("I8");
        entries["model.layers.0.self_attn.q_proj.weight_scale"].Dtype.Should().Be("F32");
        entries["model.embed_tokens.weight"].Dtype.Should().Be("F64");
        File.ReadAllText(Path.Combine(int8Directory, Checkpoint.ConfigFileName)).Should().Be(File.ReadAllText(Path.Combine(floatDirectory, Checkpoint.ConfigFileName)));

        using var loaded = Checkpoint.Load(int8Directory);
        using var quantizedOnLoad = Checkpoint.Load(floatDirectory, int8Weights: true);
        using var plain = Checkpoint.Load(floatDirectory);
        loaded.HasInt8Weights.Should().BeTrue();
        quantizedOnLoad.HasInt8Weights.Should().BeTrue();
        plain.HasInt8Weights.Should().BeFalse();
        var tokens = ModelCatalog.Tokens(batch: 2, time: 20, seed: 4);
        var expected = model.Forward(tokens);
        ModelForms.BitIdentical(loaded.Forward(tokens), expected).Should().BeTrue("the stored int8 values and scales are the model's");
        ModelForms.BitIdentical(quantizedOnLoad.Forward(tokens), expected).Should().BeTrue("quantizing on load is quantizing in memory");
        ModelForms.BitIdentical(plain.Forward(tokens), expected).Should().BeFalse();
        foreach (var (key, tensor) in model.state_dict())
            ModelForms.BitIdentical(loaded.state_dict()[key], tensor).Should().BeTrue(key);

        // Saved again, the file is byte for byte the same.
        string again = Path.Combine(_directory, "again");
        Checkpoint.Save(loaded, again);
        File.ReadAllBytes(Path.Combine(again, Checkpoint.WeightsFileName)).Should().Equal(File.ReadAllBytes(Path.Combine(int8Directory, Checkpoint.WeightsFileName)));
    }

    [Fact]
    public void Float_weights_loaded_into_an_int8_model_are_quantized_too()
    {
        using var scope = NewDisposeScope();
        using var model = ModelCatalog.Create("gqa", seed: 1);
        using var other = ModelCatalog.Create("gqa", seed: 2);
        Checkpoint.Save(other, _directory);
        model.QuantizeToInt8();
        Checkpoint.LoadWeights(model, Path.Combine(_directory, Checkpoint.WeightsFileName));
        other.QuantizeToInt8();
        var tokens = ModelCatalog.Tokens(batch: 1, time: 10, seed: 6);
        model.HasInt8Weights.Should().BeTrue();
        ModelForms.BitIdentical(model.Forward(tokens), other.Forward(tokens)).Should().BeTrue("stale int8 weights would give the first model's logits");
    }

    [Fact]
    public void A_float32_int8_model_runs_after_a_dtype_conversion_and_leaves_no_tensors_behind()
    {
        using var model = ModelCatalog.Create("hybrid");
        model.QuantizeToInt8();
        model.to(ScalarType.Float32);
        var statistics = DisposeScopeManager.Statistics;
        long before = 0;
        // The first round creates what the model keeps for later calls; the second must leave the count where it was.
        for (int round = 0; round < 2; round++)
        {
            if (round == 1) before = statistics.ThreadTotalLiveCount;
            using var scope = NewDisposeScope();
            var tokens = ModelCatalog.Tokens(batch: 1, time: 36, seed: 5);
            var forward = model.Forward(tokens);
            using var state = model.CreateState(1);
            model.Prefill(tokens.narrow(1, 0, 4), state);
            for (int t = 4; t < 36; t++)
                Forms.MaxAbsDiff(model.Step(tokens.narrow(1, t, 1), state), forward.narrow(1, t, 1)).Should().BeLessThan(1e-4, $"step {t}");
        }
        statistics.ThreadTotalLiveCount.Should().Be(before);
    }

    [Theory]
    [InlineData("linear", false)]
    [InlineData("softmax", false)]
    [InlineData("hybrid", true)]
    public void Greedy_speculative_decoding_with_an_int8_target_emits_the_int8_targets_greedy_tokens(string pair, bool int8Draft)
    {
        var (target, draft) = DecodingModels.Create(pair);
        using (target)
        using (draft)
        {
            target.QuantizeToInt8();
            if (int8Draft) draft.QuantizeToInt8();
            var options = new GenerationOptions { MaxNewTokens = 24, Sampling = SamplingOptions.Greedy };
            foreach (var (batch, seed) in new[] { (1, 5), (1, 6), (3, 7) })
            {
                var prompts = DecodingModels.Prompts(batch, seed);
                using var plain = new PlainDecoder(target).Start(prompts, options);
                plain.RunToEnd();
                for (int m = 1; m <= 6; m++)
                {
                    using var speculative = new SpeculativeDecoder(target, draft, new SpeculationOptions { DraftTokens = m }).Start(prompts, options);
                    speculative.RunToEnd();
                    for (int b = 0; b < batch; b++)
                        speculative.Generated[b].Should().Equal(plain.Generated[b], $"pair {pair}, batch {batch}, row {b}, m = {m}");
                }
            }
        }
    }

    [Theory]
    [InlineData("no-scales", "needs its block scales")]
    [InlineData("scales-misshaped", "needs its block scales")]
    [InlineData("norm", "int8 weights are matrices")]
    [InlineData("embedding", "only projection weights can be int8")]
    [InlineData("half-fused", "partly as int8 and partly as float")]
    public void A_corrupt_int8_file_fails_with_a_message_that_names_the_tensor(string damage, string message)
    {
        using var scope = NewDisposeScope();
        using var model = ModelCatalog.Create("gqa");
        model.QuantizeToInt8();
        Checkpoint.Save(model, _directory);
        string path = Path.Combine(_directory, Checkpoint.WeightsFileName);
        var header = SafetensorsHeader.Read(path);
        var bytes = File.ReadAllBytes(path);
        long start = 8 + BitConverter.ToInt64(bytes, 0);
        var records = header.Entries.Select(e => (e.Name, e.Dtype, e.Shape, bytes.AsSpan((int)(start + e.Begin), (int)(e.End - e.Begin)).ToArray())).ToList();
        int Index(string name) => records.FindIndex(r => r.Name == name);
        const string Q = "model.layers.0.self_attn.q_proj.weight";
        switch (damage)
        {
            case "no-scales":
                records.RemoveAt(Index(Q + "_scale"));
                break;
            case "scales-misshaped":
                records[Index(Q + "_scale")] = (Q + "_scale", "F32", [24, 2], new byte[24 * 2 * 4]);
                break;
            case "norm":
                // 24 values as I8 where the norm's F64 weight belongs.
                records[Index("model.norm.weight")] = ("model.norm.weight", "I8", [24], new byte[24]);
                break;
            case "embedding":
                records[Index("model.embed_tokens.weight")] = ("model.embed_tokens.weight", "I8", [ModelCatalog.VocabSize, 24], new byte[ModelCatalog.VocabSize * 24]);
                records.Add(("model.embed_tokens.weight_scale", "F32", [ModelCatalog.VocabSize, 1], new byte[ModelCatalog.VocabSize * 4]));
                break;
            case "half-fused":
                // k_proj as float64 while q_proj and v_proj are int8.
                const string K = "model.layers.0.self_attn.k_proj.weight";
                records.RemoveAt(Index(K + "_scale"));
                records[Index(K)] = (K, "F64", [12, 24], new byte[12 * 24 * 8]);
                break;
        }
        using (var stream = File.Create(path)) Int8Checkpoint.Write(stream, records);
        var load = () => Checkpoint.Load(_directory);
        load.Should().Throw<InvalidDataException>().WithMessage($"*{message}*");
    }

    [Fact]
    public void Forms_that_cannot_run_the_int8_program_refuse_with_a_clear_message()
    {
        using var scope = NewDisposeScope();
        using var model = ModelCatalog.Create("gqa");
        Checkpoint.Save(model, _directory);
        var half = () => Checkpoint.Load(_directory, ScalarType.Float16, int8Weights: true);
        half.Should().Throw<NotSupportedException>().WithMessage("*CPU decode program of float32 and float64*");

        model.QuantizeToInt8();
        model.UseDecodeProgram(null);
        using var state = model.CreateState(1);
        var step = () => model.Step(ModelCatalog.Tokens(1, 1), state);
        step.Should().Throw<NotSupportedException>().WithMessage("*int8 weights run only*");
    }
}

/// <summary>The int8 projections split across threads give the one-thread numbers bit for bit (runs with the multicore tests, alone).</summary>
[Collection(nameof(FusedMulticoreTests))]
public sealed class Int8MulticoreTests
{
    [Theory]
    [MemberData(nameof(Int8Paths.All), MemberType = typeof(Int8Paths))]
    public void Two_and_three_threads_give_the_int8_logits_of_one_bit_for_bit(string name)
    {
        using var forced = Int8Isa.Force(Int8Paths.Parse(name));
        using var scope = NewDisposeScope();
        using var model = ModelCatalog.Create("gqa");
        model.QuantizeToInt8();
        var tokens = ModelCatalog.Tokens(batch: 2, time: 12, seed: 9);
        var (one, _) = Run(model, tokens, threads: 1);
        foreach (int threads in new[] { 2, 3 })
        {
            var (split, parallel) = Run(model, tokens, threads);
            parallel.Should().BeGreaterThan(0, "the lowered threshold splits every projection");
            ModelForms.BitIdentical(split, one).Should().BeTrue($"{threads} threads");
        }
    }

    static (Tensor Logits, long Parallel) Run(CausalLanguageModel model, Tensor tokens, int threads)
    {
        using var forced = FusedDecoding.Force(threads, threshold: 1);
        long before = FusedDecoding.t_parallelProjections;
        using var state = model.CreateState(2);
        var logits = new List<Tensor> { model.Prefill(tokens.narrow(1, 0, 3), state) };
        for (int t = 3; t < 12; t++) logits.Add(model.Step(tokens.narrow(1, t, 1), state));
        return (cat(logits, 1), FusedDecoding.t_parallelProjections - before);
    }
}
