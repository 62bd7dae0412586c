using System.Text.Json;
using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Checkpoints.HuggingFace;

namespace LinearDsl.Runtime.Tests.HuggingFace;

/// <summary>Mismatched, truncated, incomplete and unsupported Hugging Face folders fail with one clear error naming the file.</summary>
public sealed class HuggingFaceErrorTests : HfTempFolder
{
    [Fact]
    public void Missing_unexpected_and_misshaped_tensors_are_listed_in_one_error()
    {
        var weights = HfFolders.LlamaWeights();
        weights.Remove("model.layers.1.self_attn.k_proj.weight");
        weights["model.layers.0.self_attn.extra.weight"] = zeros(2, 2);
        weights["model.layers.0.mlp.up_proj.weight"] = zeros(HfFolders.Hidden + 1, HfFolders.Width);
        HfFolders.Write(Folder("llama"), HfFolders.LlamaConfig(), weights);

        var error = FluentActions.Invoking(() => HuggingFaceCheckpoint.Load(Folder("llama"))).Should().Throw<CheckpointMismatchException>().Which;
        error.Path.Should().Be(Path.Combine(Folder("llama"), "model.safetensors"));
        error.Missing.Should().ContainSingle().Which.ToString().Should().Be("model.layers.1.self_attn.k_proj.weight [8, 16]");
        error.Unexpected.Select(t => t.Key).Should().Equal("model.layers.0.self_attn.extra.weight");
        error.Misshaped.Should().ContainSingle().Which.ToString().Should().Be("model.layers.0.mlp.up_proj.weight: expected [24, 16], found [25, 16]");
        error.Message.Should().Contain("missing (1)").And.Contain("unexpected (1)").And.Contain("wrong shape (1)");
    }

    [Fact]
    public void Gpt2_conv1d_weights_are_checked_in_their_stored_in_out_layout()
    {
        var weights = HfFolders.Gpt2Weights();
        weights["transformer.h.0.mlp.c_fc.weight"] = weights["transformer.h.0.mlp.c_fc.weight"].t().contiguous();
        HfFolders.Write(Folder("gpt2"), HfFolders.Gpt2Config(), weights);
        FluentActions.Invoking(() => HuggingFaceCheckpoint.Load(Folder("gpt2"))).Should().Throw<CheckpointMismatchException>()
            .Which.Misshaped.Should().ContainSingle().Which.ToString().Should().Be("transformer.h.0.mlp.c_fc.weight: expected [16, 64], found [64, 16]");
    }

    [Fact]
    public void A_truncated_single_file_names_the_file()
    {
        HfFolders.Write(Folder("llama"), HfFolders.LlamaConfig(), HfFolders.LlamaWeights());
        string path = Path.Combine(Folder("llama"), "model.safetensors");
        Truncate(path);
        FluentActions.Invoking(() => HuggingFaceCheckpoint.Load(Folder("llama"))).Should().Throw<InvalidDataException>()
            .WithMessage($"*'{path}'*truncated*");
    }

    [Fact]
    public void A_truncated_shard_names_the_shard()
    {
        HfFolders.WriteSharded(Folder("llama"), HfFolders.LlamaConfig(), HfFolders.LlamaWeights(), shards: 3);
        string shard = Path.Combine(Folder("llama"), "model-00002-of-00003.safetensors");
        Truncate(shard);
        FluentActions.Invoking(() => HuggingFaceCheckpoint.Load(Folder("llama"))).Should().Throw<InvalidDataException>()
            .WithMessage($"*'{shard}'*truncated*");
    }

    [Fact]
    public void A_shard_named_by_the_index_must_exist()
    {
        HfFolders.WriteSharded(Folder("llama"), HfFolders.LlamaConfig(), HfFolders.LlamaWeights(), shards: 2);
        string shard = Path.Combine(Folder("llama"), "model-00001-of-00002.safetensors");
        File.Delete(shard);
        FluentActions.Invoking(() => HuggingFaceCheckpoint.Load(Folder("llama"))).Should().Throw<FileNotFoundException>()
            .WithMessage($"*'{shard}'*weight_map*");
    }

    [Fact]
    public void An_index_that_disagrees_with_its_shards_is_refused()
    {
        HfFolders.WriteSharded(Folder("llama"), HfFolders.LlamaConfig(), HfFolders.LlamaWeights(), shards: 2);
        string index = Path.Combine(Folder("llama"), "model.safetensors.index.json");
        // Move one key to the other shard in the index only.
        var json = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(File.ReadAllText(index))!;
        var map = JsonSerializer.Deserialize<Dictionary<string, string>>(json["weight_map"].GetRawText())!;
        map["model.norm.weight"] = map["model.norm.weight"] == "model-00001-of-00002.safetensors" ? "model-00002-of-00002.safetensors" : "model-00001-of-00002.safetensors";
        File.WriteAllText(index, JsonSerializer.Serialize(new { weight_map = map }));
        FluentActions.Invoking(() => HuggingFaceCheckpoint.Load(Folder("llama"))).Should().Throw<InvalidDataException>()
            .WithMessage("*does not match the weight_map*'model.norm.weight'*");
    }

    [Fact]
    public void A_folder_without_safetensors_weights_says_what_it_needs()
    {
        Directory.CreateDirectory(Folder("bin"));
        File.WriteAllText(Path.Combine(Folder("bin"), "config.json"), JsonSerializer.Serialize(HfFolders.LlamaConfig()));
        File.WriteAllBytes(Path.Combine(Folder("bin"), "pytorch_model.bin"), [1, 2, 3]);
        FluentActions.Invoking(() => HuggingFaceCheckpoint.Load(Folder("bin"))).Should().Throw<FileNotFoundException>()
            .WithMessage("*neither model.safetensors nor model.safetensors.index.json*PyTorch .bin weights only*");
        FluentActions.Invoking(() => HuggingFaceCheckpoint.Load(Folder("absent"))).Should().Throw<DirectoryNotFoundException>();
    }

    [Theory]
    [InlineData("model_type", "mistral", "*model_type 'mistral' is not supported*")]
    [InlineData("rope_scaling", "linear", "*rope_scaling is not supported*")]
    [InlineData("hidden_act", "gelu", "*hidden_act must be 'silu'*")]
    [InlineData("hidden_size", null, "*no 'hidden_size'*")]
    [InlineData("num_key_value_heads", 3, "*kv_heads (3) must divide heads (4)*")]
    [InlineData("rms_norm_eps", "small", "*'rms_norm_eps' must be a number*")]
    public void Unsupported_or_broken_configs_name_the_file_and_the_key(string key, object? value, string message)
    {
        var config = HfFolders.LlamaConfig();
        if (value is null) config.Remove(key);
        else config[key] = value;
        HfFolders.Write(Folder("llama"), config, HfFolders.LlamaWeights());
        FluentActions.Invoking(() => HuggingFaceCheckpoint.Load(Folder("llama"))).Should().Throw<InvalidDataException>()
            .WithMessage($"*'{Path.Combine(Folder("llama"), "config.json")}'*").And.Message.Should().Match(message);
    }

    [Fact]
    public void Gpt2_with_an_exact_gelu_is_refused()
    {
        var config = HfFolders.Gpt2Config();
        config["activation_function"] = "gelu";
        FluentActions.Invoking(() => HuggingFaceConfig.Parse(JsonSerializer.Serialize(config))).Should().Throw<InvalidDataException>()
            .WithMessage("*activation_function 'gelu' is not supported*gelu_new*");
    }

    static void Truncate(string path)
    {
        using var stream = new FileStream(path, FileMode.Open);
        stream.SetLength(stream.Length - 10);
    }
}
