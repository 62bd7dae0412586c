using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Modeling;
using TorchSharp.PyBridge;

namespace LinearDsl.Runtime.Tests.Modeling;

/// <summary>Save and load: bit-exact round trips, the Hugging Face key layout (baselined), and clear failures.</summary>
public sealed class CheckpointTests : IDisposable
{
    readonly string _directory = Path.Combine(Path.GetTempPath(), "lineardsl-tests", Guid.NewGuid().ToString("N"));

    string WeightsPath => Path.Combine(_directory, Checkpoint.WeightsFileName);

    string ConfigPath => Path.Combine(_directory, Checkpoint.ConfigFileName);

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [MemberData(nameof(ModelCatalog.Names), MemberType = typeof(ModelCatalog))]
    public void Save_then_load_is_bit_exact(string name)
    {
        using var scope = NewDisposeScope();
        using var model = ModelCatalog.Create(name);
        Checkpoint.Save(model, _directory);
        Directory.GetFiles(_directory).Select(Path.GetFileName).Should().BeEquivalentTo(Checkpoint.WeightsFileName, Checkpoint.ConfigFileName);

        using var loaded = Checkpoint.Load(_directory);
        loaded.Config.Should().Be(model.Config);
        loaded.ParameterDtype.Should().Be(ScalarType.Float64, "the dtype stored in the file");
        var expected = model.state_dict();
        var actual = loaded.state_dict();
        actual.Keys.Should().Equal(expected.Keys);
        foreach (var (key, tensor) in expected)
            ModelForms.BitIdentical(actual[key], tensor).Should().BeTrue($"'{key}' must round-trip bit for bit");

        var tokens = ModelCatalog.Tokens(batch: 2, time: 9);
        ModelForms.BitIdentical(loaded.Forward(tokens), model.Forward(tokens)).Should().BeTrue("the logits must be bit-identical");
        ModelForms.BitIdentical(ModelForms.StepLoop(loaded, tokens), ModelForms.StepLoop(model, tokens)).Should().BeTrue();
    }

    [Theory]
    [MemberData(nameof(ModelCatalog.Names), MemberType = typeof(ModelCatalog))]
    public void Config_json_round_trips(string name)
    {
        using var model = ModelCatalog.Create(name);
        Checkpoint.Save(model, _directory);
        string json = File.ReadAllText(ConfigPath);
        json.Should().Be(ModelConfigJson.Serialize(model.Config!));
        ModelConfigJson.Read(ConfigPath).Should().Be(model.Config);
    }

    [Theory]
    [MemberData(nameof(ModelCatalog.Names), MemberType = typeof(ModelCatalog))]
    public void Checkpoint_keys_match_the_committed_baseline(string name)
    {
        using var model = ModelCatalog.Create(name);
        Checkpoint.Save(model, _directory);
        var entries = SafetensorsHeader.Read(WeightsPath).Entries;
        string listing = string.Concat(entries.Select(e => $"{e.Name} [{string.Join(", ", e.Shape)}]\n"));
        Baselines.Check($"checkpoint-keys/{name}.txt", listing);

        var keys = entries.Select(e => e.Name).ToList();
        keys.Should().Equal(CheckpointKeyMap.For(model).Entries.Select(e => e.Key), "the file holds exactly the key map's keys, in its order");
        keys.Should().NotContain(k => k.Contains("qkv_proj"), "the fused projection is stored as q_proj, k_proj and v_proj");
        keys.Should().Contain(["model.embed_tokens.weight", "model.norm.weight", "model.layers.0.self_attn.q_proj.weight", "model.layers.0.mlp." + (name.Contains("gelu") ? "c_fc.weight" : "gate_proj.weight")]);
        if (model.TiedEmbeddings) keys.Should().NotContain("lm_head.weight");
        else keys.Should().Contain("lm_head.weight");
    }

    [Fact]
    public void Split_projections_hold_the_rows_of_the_fused_weight()
    {
        using var scope = NewDisposeScope();
        using var model = ModelCatalog.Create("gqa");
        Checkpoint.Save(model, _directory);
        var stored = Safetensors.LoadStateDict(WeightsPath);
        var fused = model.state_dict()["model.layers.1.self_attn.qkv_proj.weight"];
        // 4 query heads and 2 key/value heads of size 6 in a width of 24.
        ModelForms.BitIdentical(stored["model.layers.1.self_attn.q_proj.weight"], fused.narrow(0, 0, 24)).Should().BeTrue();
        ModelForms.BitIdentical(stored["model.layers.1.self_attn.k_proj.weight"], fused.narrow(0, 24, 12)).Should().BeTrue();
        ModelForms.BitIdentical(stored["model.layers.1.self_attn.v_proj.weight"], fused.narrow(0, 36, 12)).Should().BeTrue();
    }

    [Fact]
    public void Loading_reports_every_missing_unexpected_and_misshaped_key_in_one_exception()
    {
        using var scope = NewDisposeScope();
        using var model = ModelCatalog.Create("gqa");
        Checkpoint.Save(model, _directory);
        var tensors = Safetensors.LoadStateDict(WeightsPath);
        tensors.Remove("model.layers.1.mlp.up_proj.weight").Should().BeTrue();
        tensors.Remove("model.layers.0.self_attn.v_proj.weight").Should().BeTrue();
        tensors["model.layers.0.self_attn.extra.weight"] = zeros(2, 2, ScalarType.Float64);
        tensors["model.norm.weight"] = zeros(13, ScalarType.Float64);
        tensors["model.layers.0.self_attn.k_proj.weight"] = zeros(6, 24, ScalarType.Float64);
        using (var stream = File.Create(WeightsPath)) Safetensors.SaveStateDict(stream, tensors);

        var error = FluentActions.Invoking(() => Checkpoint.Load(_directory)).Should().Throw<CheckpointMismatchException>().Which;
        error.Path.Should().Be(WeightsPath);
        error.Missing.Select(t => t.Key).Should().BeEquivalentTo("model.layers.1.mlp.up_proj.weight", "model.layers.0.self_attn.v_proj.weight");
        error.Unexpected.Select(t => t.Key).Should().Equal("model.layers.0.self_attn.extra.weight");
        error.Misshaped.Select(t => t.ToString()).Should().BeEquivalentTo(
            "model.layers.0.self_attn.k_proj.weight: expected [12, 24], found [6, 24]",
            "model.norm.weight: expected [24], found [13]");
        error.Message.Should().Contain(WeightsPath)
            .And.Contain("model.layers.1.mlp.up_proj.weight [20, 24]")
            .And.Contain("model.layers.0.self_attn.v_proj.weight [12, 24]")
            .And.Contain("model.layers.0.self_attn.extra.weight [2, 2]")
            .And.Contain("model.layers.0.self_attn.k_proj.weight: expected [12, 24], found [6, 24]")
            .And.Contain("model.norm.weight: expected [24], found [13]");
    }

    [Fact]
    public void A_truncated_weights_file_fails_with_a_message_naming_it()
    {
        using var model = ModelCatalog.Create("aug-rope");
        Checkpoint.Save(model, _directory);
        using (var stream = new FileStream(WeightsPath, FileMode.Open)) stream.SetLength(stream.Length - 10);
        FluentActions.Invoking(() => Checkpoint.Load(_directory)).Should().Throw<InvalidDataException>()
            .WithMessage($"Checkpoint weights '{WeightsPath}' cannot be read: it is truncated*");
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 }, "*fewer than the 8-byte header length*")]
    [InlineData(new byte[] { 200, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'}' }, "*header claims 200 bytes but only 2 follow*")]
    [InlineData(new byte[] { 4, 0, 0, 0, 0, 0, 0, 0, (byte)'n', (byte)'o', (byte)'p', (byte)'e' }, "*corrupt header (not JSON*")]
    public void A_corrupt_weights_file_fails_with_a_message_naming_it(byte[] content, string message)
    {
        using var model = ModelCatalog.Create("aug-rope");
        Checkpoint.Save(model, _directory);
        File.WriteAllBytes(WeightsPath, content);
        FluentActions.Invoking(() => Checkpoint.Load(_directory)).Should().Throw<InvalidDataException>()
            .WithMessage($"Checkpoint weights '{WeightsPath}'*").WithMessage(message);
    }

    [Fact]
    public void A_missing_or_corrupt_config_fails_with_a_message_naming_it()
    {
        using var model = ModelCatalog.Create("aug-rope");
        FluentActions.Invoking(() => Checkpoint.Load(_directory)).Should().Throw<DirectoryNotFoundException>().WithMessage($"*'{_directory}' does not exist*");
        Checkpoint.Save(model, _directory);
        File.WriteAllText(ConfigPath, "{ \"format_version\": 1, ");
        FluentActions.Invoking(() => Checkpoint.Load(_directory)).Should().Throw<InvalidDataException>().WithMessage($"Model config '{ConfigPath}' is not valid JSON*");
        File.Delete(ConfigPath);
        FluentActions.Invoking(() => Checkpoint.Load(_directory)).Should().Throw<FileNotFoundException>().WithMessage($"'{ConfigPath}' is missing*");
    }

    [Fact]
    public void Saving_again_replaces_the_checkpoint_and_leaves_no_temporary_files()
    {
        using var scope = NewDisposeScope();
        using var first = ModelCatalog.Create("tied", seed: 1);
        using var second = ModelCatalog.Create("tied", seed: 2);
        Checkpoint.Save(first, _directory);
        Checkpoint.Save(second, _directory);
        Directory.GetFiles(_directory).Select(Path.GetFileName).Should().BeEquivalentTo(Checkpoint.WeightsFileName, Checkpoint.ConfigFileName);
        using var loaded = Checkpoint.Load(_directory);
        var tokens = ModelCatalog.Tokens(batch: 1, time: 5);
        ModelForms.BitIdentical(loaded.Forward(tokens), second.Forward(tokens)).Should().BeTrue();
        ModelForms.BitIdentical(loaded.Forward(tokens), first.Forward(tokens)).Should().BeFalse();
    }

    [Fact]
    public void Weights_load_into_the_requested_dtype()
    {
        using var scope = NewDisposeScope();
        using var model = ModelCatalog.Create("hybrid");
        Checkpoint.Save(model, _directory);
        using var single = Checkpoint.Load(_directory, ScalarType.Float32);
        single.ParameterDtype.Should().Be(ScalarType.Float32);
        foreach (var (key, tensor) in model.state_dict())
            ModelForms.BitIdentical(single.state_dict()[key], tensor.to_type(ScalarType.Float32)).Should().BeTrue(key);
    }

    [Fact]
    public void A_model_without_a_config_needs_one_that_describes_it()
    {
        using var model = ModelCatalog.Create("aug-rope");
        using var byHand = HandAssembledModels.Hybrid();
        FluentActions.Invoking(() => Checkpoint.Save(byHand, _directory)).Should().Throw<ArgumentException>().WithMessage("*carries no ModelConfig*");
        FluentActions.Invoking(() => Checkpoint.Save(byHand, model.Config!, _directory)).Should().Throw<ArgumentException>().WithMessage("The config does not describe this model: layers 2 vs the model's 3*");
        Checkpoint.Save(byHand, ModelCatalog.Config("hybrid"), _directory);
        using var loaded = Checkpoint.Load(_directory);
        loaded.Layers.Should().HaveCount(3);
    }
}
