using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using LinearDsl.Cli;
using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Checkpoints.HuggingFace;
using LinearDsl.Runtime.Tokenization;
using Spectre.Console.Cli.Testing;
using Spectre.Console.Testing;
using TorchSharp.PyBridge;

namespace LinearDsl.Python.Tests;

/// <summary>
/// <c>lineardsl export-hf</c>: the key set, shapes and config fields transformers expects for LlamaForCausalLM and
/// GPT2LMHeadModel (written out here), identical logits after export and import, the Python package's logits of the
/// exported folder, the byte tokenizer files, and the one-line refusals.
/// </summary>
public sealed class ExportHfTests(ExportCheckpoints checkpoints) : IClassFixture<ExportCheckpoints>
{
    static readonly Tensor Tokens = arange(20, ScalarType.Int64).mul(29).remainder(256).view(2, 10);

    [Fact]
    public async Task Llama_export_has_the_keys_shapes_and_config_of_LlamaForCausalLM()
    {
        string output = Output("llama");

        var result = await RunAsync(["export-hf", checkpoints.Llama, "--out", output]);

        result.ExitCode.Should().Be(0, result.Output);
        result.Output.Should().Contain($"exported {checkpoints.Llama} to {output} (LlamaForCausalLM");
        var expected = new Dictionary<string, long[]> { ["model.embed_tokens.weight"] = [257, 16], ["model.norm.weight"] = [16], ["lm_head.weight"] = [257, 16] };
        for (int i = 0; i < 2; i++)
        {
            string layer = $"model.layers.{i}.";
            expected[layer + "input_layernorm.weight"] = [16];
            expected[layer + "self_attn.q_proj.weight"] = [16, 16];
            expected[layer + "self_attn.k_proj.weight"] = [8, 16];
            expected[layer + "self_attn.v_proj.weight"] = [8, 16];
            expected[layer + "self_attn.o_proj.weight"] = [16, 16];
            expected[layer + "post_attention_layernorm.weight"] = [16];
            expected[layer + "mlp.gate_proj.weight"] = [24, 16];
            expected[layer + "mlp.up_proj.weight"] = [24, 16];
            expected[layer + "mlp.down_proj.weight"] = [16, 24];
        }
        var (metadata, tensors) = ReadHeader(Path.Combine(output, "model.safetensors"));
        metadata!["format"]!.GetValue<string>().Should().Be("pt", "transformers refuses safetensors without the pt format");
        tensors.Keys.Should().BeEquivalentTo(expected.Keys);
        foreach (var (key, shape) in expected) tensors[key].Shape.Should().Equal(shape, key);
        tensors.Values.Select(t => t.Dtype).Distinct().Should().Equal("F64");

        var config = ReadJson(Path.Combine(output, "config.json"));
        Fields(config).Should().BeEquivalentTo(new Dictionary<string, object?>
        {
            ["architectures"] = "[\"LlamaForCausalLM\"]", ["model_type"] = "\"llama\"", ["vocab_size"] = "257", ["hidden_size"] = "16",
            ["intermediate_size"] = "24", ["num_hidden_layers"] = "2", ["num_attention_heads"] = "4", ["num_key_value_heads"] = "2",
            ["head_dim"] = "4", ["hidden_act"] = "\"silu\"", ["max_position_embeddings"] = "32", ["rms_norm_eps"] = "1E-06",
            ["rope_theta"] = "5000", ["rope_scaling"] = "null", ["attention_bias"] = "false", ["attention_dropout"] = "0", ["mlp_bias"] = "false",
            ["pretraining_tp"] = "1", ["tie_word_embeddings"] = "false", ["initializer_range"] = "0.1", ["bos_token_id"] = "256",
            ["eos_token_id"] = "256", ["use_cache"] = "true", ["torch_dtype"] = "\"float64\"",
        });
        Directory.GetFiles(output).Select(Path.GetFileName).Should().BeEquivalentTo(
            ["config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt"]);
    }

    [Fact]
    public async Task Gpt2_export_has_the_keys_Conv1D_shapes_and_config_of_GPT2LMHeadModel()
    {
        string output = Output("gpt2");

        var result = await RunAsync(["export-hf", checkpoints.Gpt2, "--out", output]);

        result.ExitCode.Should().Be(0, result.Output);
        var expected = new Dictionary<string, long[]>
        {
            ["transformer.wte.weight"] = [256, 16], ["transformer.wpe.weight"] = [32, 16], ["transformer.ln_f.weight"] = [16], ["transformer.ln_f.bias"] = [16],
        };
        for (int i = 0; i < 2; i++)
        {
            string h = $"transformer.h.{i}.";
            expected[h + "ln_1.weight"] = [16];
            expected[h + "ln_1.bias"] = [16];
            expected[h + "attn.c_attn.weight"] = [16, 48];   // Conv1D: [in, out], out = q | k | v
            expected[h + "attn.c_attn.bias"] = [48];
            expected[h + "attn.c_proj.weight"] = [16, 16];
            expected[h + "attn.c_proj.bias"] = [16];
            expected[h + "ln_2.weight"] = [16];
            expected[h + "ln_2.bias"] = [16];
            expected[h + "mlp.c_fc.weight"] = [16, 40];
            expected[h + "mlp.c_fc.bias"] = [40];
            expected[h + "mlp.c_proj.weight"] = [40, 16];
            expected[h + "mlp.c_proj.bias"] = [16];
        }
        var (_, tensors) = ReadHeader(Path.Combine(output, "model.safetensors"));
        tensors.Keys.Should().BeEquivalentTo(expected.Keys, "a tied GPT-2 stores no lm_head.weight");
        foreach (var (key, shape) in expected) tensors[key].Shape.Should().Equal(shape, key);

        Fields(ReadJson(Path.Combine(output, "config.json"))).Should().BeEquivalentTo(new Dictionary<string, object?>
        {
            ["architectures"] = "[\"GPT2LMHeadModel\"]", ["model_type"] = "\"gpt2\"", ["vocab_size"] = "256", ["n_embd"] = "16", ["n_layer"] = "2",
            ["n_head"] = "2", ["n_inner"] = "40", ["n_positions"] = "32", ["n_ctx"] = "32", ["layer_norm_epsilon"] = "1E-05",
            ["activation_function"] = "\"gelu_new\"", ["resid_pdrop"] = "0", ["embd_pdrop"] = "0", ["attn_pdrop"] = "0",
            ["scale_attn_weights"] = "true", ["scale_attn_by_inverse_layer_idx"] = "false", ["reorder_and_upcast_attn"] = "false",
            ["tie_word_embeddings"] = "true", ["initializer_range"] = "0.1", ["bos_token_id"] = "null", ["eos_token_id"] = "null",
            ["use_cache"] = "true", ["torch_dtype"] = "\"float32\"",
        });
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("gpt2")]
    [InlineData("gpt2-no-bias")]
    public async Task Export_then_import_gives_identical_logits(string name)
    {
        string checkpoint = Path.Combine(checkpoints.Root, name), output = Output(name + "-roundtrip");
        (await RunAsync(["export-hf", checkpoint, "--out", output])).ExitCode.Should().Be(0);

        using var scope = NewDisposeScope();
        using var original = Checkpoint.Load(checkpoint);
        using var imported = HuggingFaceCheckpoint.Load(output);

        imported.ParameterDtype.Should().Be(original.ParameterDtype);
        imported.Forward(Tokens).equal(original.Forward(Tokens)).all().item<bool>().Should().BeTrue("the same weights under other names compute the same logits, bit for bit");
    }

    [Fact]
    public async Task The_Python_package_computes_the_exported_folders_logits()
    {
        string llama = Output("llama-python"), gpt2 = Output("gpt2-python");
        (await RunAsync(["export-hf", checkpoints.Llama, "--out", llama])).ExitCode.Should().Be(0);
        (await RunAsync(["export-hf", checkpoints.Gpt2, "--out", gpt2])).ExitCode.Should().Be(0);
        string tokens = Path.Combine(checkpoints.Root, "tokens.safetensors");
        Safetensors.SaveStateDict(tokens, new Dictionary<string, Tensor> { ["tokens"] = Tokens });

        foreach (var (folder, checkpoint, tolerance) in new[] { (llama, checkpoints.Llama, 1e-10), (gpt2, checkpoints.Gpt2, 1e-5) })
        {
            PythonTorch.Run("logits", folder, "--hf", "--tokens", tokens, "--out", folder + ".logits.safetensors");
            using var scope = NewDisposeScope();
            using var model = Checkpoint.Load(checkpoint);
            var python = ParityRun.PythonLogits(folder);
            PythonParityTests.MaxDifference(python["parallel"], model.Forward(Tokens)).Should().BeLessThan(tolerance, folder);
            PythonParityTests.MaxDifference(python["step"], python["parallel"]).Should().BeLessThan(tolerance, folder);
        }
    }

    [Fact]
    public async Task The_Python_package_ignores_the_mask_buffers_of_older_GPT2_files_as_the_importer_does()
    {
        string folder = Output("gpt2-buffers"), weights = Path.Combine(folder, "model.safetensors");
        (await RunAsync(["export-hf", checkpoints.Gpt2, "--out", folder])).ExitCode.Should().Be(0);
        using (var scope = NewDisposeScope())
        {
            Dictionary<string, Tensor> tensors;
            using (var stream = File.OpenRead(weights)) tensors = Safetensors.LoadStateDict(stream);
            tensors["transformer.h.0.attn.bias"] = ones(1, 1, 32, 32).tril();
            tensors["transformer.h.0.attn.masked_bias"] = tensor(-1e4f);
            Safetensors.SaveStateDict(weights, tensors);
        }
        string tokens = Path.Combine(checkpoints.Root, "tokens-buffers.safetensors");
        Safetensors.SaveStateDict(tokens, new Dictionary<string, Tensor> { ["tokens"] = Tokens });

        PythonTorch.Run("logits", folder, "--hf", "--tokens", tokens, "--out", folder + ".logits.safetensors");

        using var model = HuggingFaceCheckpoint.Load(folder);
        PythonParityTests.MaxDifference(ParityRun.PythonLogits(folder)["parallel"], model.Forward(Tokens)).Should().BeLessThan(1e-5);
    }

    [Fact]
    public async Task The_tokenizer_files_give_one_token_per_byte()
    {
        string output = Output("llama-tokenizer");
        (await RunAsync(["export-hf", checkpoints.Llama, "--out", output])).ExitCode.Should().Be(0);

        var tokenizer = ReadJson(Path.Combine(output, "tokenizer.json"));
        var vocabulary = tokenizer["model"]!["vocab"]!.AsObject();
        vocabulary.Should().HaveCount(257);
        tokenizer["added_tokens"]![0]!["content"]!.GetValue<string>().Should().Be(TextTokenizers.EndOfTextToken);
        tokenizer["pre_tokenizer"]!["use_regex"]!.GetValue<bool>().Should().BeFalse("a regex split would not change ids, but the byte vocabulary needs none");
        // Byte-level BPE without merges: each byte becomes its table character, each character its own token.
        var characterOf = vocabulary.Where(p => p.Value!.GetValue<int>() < 256).ToDictionary(p => p.Value!.GetValue<int>(), p => p.Key);
        characterOf.Values.Should().OnlyHaveUniqueItems().And.OnlyContain(c => c.Length == 1);
        string text = "Grüße, world!\n\t€";
        var ids = Encoding.UTF8.GetBytes(text).Select(b => vocabulary[characterOf[b]]!.GetValue<int>()).ToArray();
        ids.Select(i => (long)i).Should().Equal(new ByteTokenizer(withEndOfText: true).Encode(text));
        ReadJson(Path.Combine(output, "tokenizer_config.json"))["eos_token"]!.GetValue<string>().Should().Be(TextTokenizers.EndOfTextToken);
    }

    [Fact]
    public async Task Refuses_a_linear_checkpoint_in_one_line()
    {
        string output = Output("augmented");

        var result = await RunAsync(["export-hf", checkpoints.Augmented, "--out", output]);

        result.ExitCode.Should().Be(ErrorReporter.UsageError);
        result.Output.Trim().Should().StartWith("error: cannot export").And.Contain("layer 0 uses the AugmentedLinear mixer")
            .And.Contain("only softmax LLaMA-style (RMS norm, rotary positions, SwiGLU) or GPT-2-style (layer norm, learned positions, GELU) models can be exported")
            .And.NotContain("\n");
        Directory.Exists(output).Should().BeFalse("nothing is written");
    }

    [Fact]
    public async Task Refuses_to_write_into_the_checkpoint_itself()
    {
        string config = Path.Combine(checkpoints.Gpt2, "config.json");
        string before = File.ReadAllText(config);

        var result = await RunAsync(["export-hf", checkpoints.Gpt2, "--out", checkpoints.Gpt2 + "/"]);

        result.ExitCode.Should().Be(ErrorReporter.UsageError);
        result.Output.Trim().Should().StartWith("error: --out").And.Contain("is the checkpoint directory itself").And.NotContain("\n");
        File.ReadAllText(config).Should().Be(before);
    }

    [Fact]
    public async Task Requires_out()
    {
        var result = await RunAsync(["export-hf", checkpoints.Gpt2]);

        result.ExitCode.Should().NotBe(0);
        result.Output.Should().Contain("--out DIR is required");
    }

    [Fact]
    public async Task Help_documents_the_command()
    {
        var result = await RunAsync(["export-hf", "--help"]);

        result.ExitCode.Should().Be(0, result.Output);
        result.Output.Should().Contain("--out").And.Contain("Hugging Face folder");
    }

    string Output(string name) => Path.Combine(checkpoints.Root, "hf", name);

    static Dictionary<string, object?> Fields(JsonObject config)
        => config.ToDictionary(p => p.Key, p => (object?)(p.Value?.ToJsonString() ?? "null"));

    static JsonObject ReadJson(string path) => JsonNode.Parse(File.ReadAllText(path))!.AsObject();

    /// <summary>The metadata and the entries of a safetensors header, read as transformers' loader reads them.</summary>
    static (JsonObject? Metadata, Dictionary<string, (string Dtype, long[] Shape)> Tensors) ReadHeader(string path)
    {
        var bytes = File.ReadAllBytes(path);
        long length = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, (int)length))!.AsObject();
        var tensors = header.Where(p => p.Key != "__metadata__")
            .ToDictionary(p => p.Key, p => (p.Value!["dtype"]!.GetValue<string>(), p.Value!["shape"]!.AsArray().Select(s => s!.GetValue<long>()).ToArray()));
        return (header["__metadata__"]?.AsObject(), tensors);
    }

    static async Task<CommandAppResult> RunAsync(string[] args)
    {
        var tester = new CommandAppTester(new CommandAppTesterSettings { TrimConsoleOutput = true });
        tester.Console.Profile.Width = 400;
        var environment = new CliEnvironment(tester.Console, tester.Console, new StringReader(""), []);
        tester.Configure(config => LineardslApp.Configure(config, environment));
        return await tester.RunAsync(args);
    }
}
