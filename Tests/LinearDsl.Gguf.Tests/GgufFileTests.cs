using LinearDsl.Runtime.Checkpoints.Gguf;
using LinearDsl.Runtime.Modeling;
using TorchSharp.PyBridge;

namespace LinearDsl.Gguf.Tests;

/// <summary>The exported file read back: header, metadata, tensor layout and bytes, by an independent reader and by llama.cpp.</summary>
public sealed class GgufFileTests(TinySoftmaxCheckpoints checkpoints) : IClassFixture<TinySoftmaxCheckpoints>
{
    [Fact]
    public void The_header_and_metadata_describe_the_checkpoint()
    {
        string file = Export(checkpoints.Grouped, "meta.gguf", GgufWeightType.F32);
        var gguf = GgufFile.Read(file);

        gguf.Version.Should().Be(3u);
        var m = gguf.Metadata;
        m["general.architecture"].Should().Be("llama");
        m["general.alignment"].Should().Be(32u);
        m["general.file_type"].Should().Be(0u);
        m["llama.context_length"].Should().Be(64u);
        m["llama.embedding_length"].Should().Be(64u);
        m["llama.block_count"].Should().Be(2u);
        m["llama.feed_forward_length"].Should().Be(96u);
        m["llama.attention.head_count"].Should().Be(4u);
        m["llama.attention.head_count_kv"].Should().Be(2u);
        m["llama.attention.layer_norm_rms_epsilon"].Should().Be(1e-5f);
        m["llama.rope.freq_base"].Should().Be(10000f);
        m["llama.rope.dimension_count"].Should().Be(16u);
        m["tokenizer.ggml.model"].Should().Be("gpt2");
        var tokens = (object[])m["tokenizer.ggml.tokens"];
        tokens.Should().HaveCount(257);
        tokens[65].Should().Be("A");
        tokens[32].Should().Be("\u0120", "GPT-2's byte-level alphabet spells the space byte as U+0120");
        tokens[256].Should().Be("<|endoftext|>");
        ((object[])m["tokenizer.ggml.token_type"])[256].Should().Be(3, "end-of-text is a control token");
        m["tokenizer.ggml.eos_token_id"].Should().Be(256u);
    }

    [Fact]
    public void The_byte_alphabet_spells_every_byte_with_its_own_character()
    {
        string file = Export(checkpoints.Tied, "alphabet.gguf", GgufWeightType.F32);
        var tokens = ((object[])GgufFile.Read(file).Metadata["tokenizer.ggml.tokens"]).Cast<string>().ToArray();

        tokens.Should().HaveCount(256).And.OnlyHaveUniqueItems();
        tokens.Should().OnlyContain(t => t.Length == 1);
        tokens[0].Should().Be("\u0100");
        tokens[255].Should().Be("\u00ff");
        tokens[0xad].Should().Be("\u0143", "the soft hyphen is the last unprintable byte, the 68th");
    }

    [Fact]
    public void Llama_cpp_reads_the_same_metadata()
    {
        string file = Export(checkpoints.Tied, "llama-meta.gguf", GgufWeightType.F32);

        var metadata = LlamaCpp.Metadata(file);

        metadata["general.architecture"].Should().Be("llama");
        metadata["llama.block_count"].Should().Be("2");
        metadata["llama.attention.head_count_kv"].Should().Be("4");
        metadata["tokenizer.ggml.model"].Should().Be("gpt2");
    }

    [Theory]
    [InlineData("tied", "Hi there,\n caf\u00e9 \t<|endoftext|>")]
    [InlineData("grouped", "Hi there,\n caf\u00e9 \t<|endoftext|>")]
    public void Llama_cpp_tokenizes_text_into_its_bytes_and_back(string which, string text)
    {
        string file = Export(which == "tied" ? checkpoints.Tied : checkpoints.Grouped, $"tokens-{which}.gguf", GgufWeightType.F32);

        var (ids, decoded) = LlamaCpp.RoundTrip(file, text);

        ids.Should().Equal(System.Text.Encoding.UTF8.GetBytes(text).Select(b => (int)b));
        decoded.Should().Be(text);
    }

    [Fact]
    public void Tensors_are_named_shaped_and_aligned_as_llama_cpp_expects()
    {
        string file = Export(checkpoints.Grouped, "layout.gguf", GgufWeightType.F32);
        var gguf = GgufFile.Read(file);

        var names = gguf.Tensors.Select(t => t.Name).ToList();
        names.Should().Contain(["token_embd.weight", "output_norm.weight", "output.weight", "blk.1.attn_norm.weight", "blk.1.attn_q.weight",
            "blk.1.attn_k.weight", "blk.1.attn_v.weight", "blk.1.attn_output.weight", "blk.1.ffn_norm.weight", "blk.1.ffn_gate.weight",
            "blk.1.ffn_up.weight", "blk.1.ffn_down.weight"]);
        names.Should().HaveCount(3 + 2 * 9);
        gguf.Tensor("token_embd.weight").Dimensions.Should().Equal(64, 257);
        gguf.Tensor("blk.0.attn_k.weight").Dimensions.Should().Equal(64, 32);
        gguf.Tensor("blk.0.ffn_down.weight").Dimensions.Should().Equal(96, 64);
        gguf.DataStart.Should().Be(gguf.DataStart / 32 * 32);
        gguf.Tensors.Should().OnlyContain(t => t.Offset % 32 == 0 && t.Type == 0);
        var last = gguf.Tensors.MaxBy(t => t.Offset)!;
        new FileInfo(file).Length.Should().Be(gguf.DataStart + (long)last.Offset + (last.Elements * 4 + 31) / 32 * 32);
    }

    [Fact]
    public void Tied_embeddings_are_written_once()
    {
        var gguf = GgufFile.Read(Export(checkpoints.Tied, "tied-layout.gguf", GgufWeightType.F32));

        gguf.Tensors.Select(t => t.Name).Should().Contain("token_embd.weight").And.NotContain("output.weight");
    }

    [Fact]
    public void Weights_are_the_checkpoints_with_q_and_k_rows_interleaved_per_head()
    {
        var gguf = GgufFile.Read(Export(checkpoints.Grouped, "values.gguf", GgufWeightType.F32));
        var stored = LoadSafetensors(checkpoints.Grouped);

        gguf.Float32("blk.1.attn_v.weight").Should().Equal(stored["model.layers.1.self_attn.v_proj.weight"]);
        gguf.Float32("output.weight").Should().Equal(stored["lm_head.weight"]);
        gguf.Float32("blk.0.ffn_norm.weight").Should().Equal(stored["model.layers.0.post_attention_layernorm.weight"]);
        // q: 4 heads of 16 rows; k: 2 heads. Row 2j of a head is the checkpoint's row j, row 2j + 1 its row j + 8.
        foreach (var (name, key, heads) in new[] { ("blk.0.attn_q.weight", "model.layers.0.self_attn.q_proj.weight", 4), ("blk.0.attn_k.weight", "model.layers.0.self_attn.k_proj.weight", 2) })
        {
            var permuted = gguf.Float32(name);
            var original = stored[key];
            for (int h = 0; h < heads; h++)
            {
                for (int j = 0; j < 8; j++)
                {
                    Row(permuted, h * 16 + 2 * j).Should().Equal(Row(original, h * 16 + j));
                    Row(permuted, h * 16 + 2 * j + 1).Should().Equal(Row(original, h * 16 + 8 + j));
                }
            }
        }
    }

    [Fact]
    public void Q8_0_blocks_hold_a_half_scale_of_the_largest_value_and_rounded_bytes()
    {
        var gguf = GgufFile.Read(Export(checkpoints.Tied, "blocks.gguf", GgufWeightType.Q8_0));
        var original = LoadSafetensors(checkpoints.Tied)["model.layers.0.mlp.down_proj.weight"];

        gguf.Metadata["general.file_type"].Should().Be(7u);
        gguf.Tensor("blk.0.ffn_down.weight").Type.Should().Be(8u);
        gguf.Tensor("blk.0.ffn_norm.weight").Type.Should().Be(0u, "norms stay float32");
        var bytes = gguf.Raw("blk.0.ffn_down.weight", original.Length / 32 * 34);
        for (int b = 0; b < original.Length / 32; b++)
        {
            var block = original.AsSpan(b * 32, 32);
            float max = 0;
            foreach (float x in block) max = Math.Max(max, Math.Abs(x));
            float scale = (float)BitConverter.ToHalf(bytes.Slice(b * 34, 2));
            scale.Should().Be((float)(Half)(max / 127f));
            for (int i = 0; i < 32; i++)
            {
                sbyte q = (sbyte)bytes[b * 34 + 2 + i];
                q.Should().Be((sbyte)MathF.Round(block[i] / (max / 127f), MidpointRounding.AwayFromZero));
                Math.Abs(q * scale - block[i]).Should().BeLessThan(0.51f * scale + 1e-3f * max);
            }
        }
    }

    [Fact]
    public void Q8_0_keeps_rows_that_are_not_a_multiple_of_32_in_float32()
    {
        // SwiGLU hidden 80: ffn_down's rows are 80 values long, which Q8_0 blocks of 32 cannot cover.
        string directory = checkpoints.Save("hidden80", TinySoftmaxCheckpoints.Config(MixerSpec.Softmax(4)) with { MlpHidden = 80 }, seed: 3);
        var gguf = GgufFile.Read(Export(directory, "hidden80.gguf", GgufWeightType.Q8_0));

        gguf.Tensor("blk.0.ffn_down.weight").Type.Should().Be(0u);
        gguf.Tensor("blk.0.ffn_up.weight").Type.Should().Be(8u);
    }

    string Export(string directory, string name, GgufWeightType type)
    {
        string file = Path.Combine(checkpoints.Root, name);
        GgufExport.Export(directory, file, type);
        return file;
    }

    static float[] Row(float[] matrix, int row) => matrix.AsSpan(row * 64, 64).ToArray();

    static Dictionary<string, float[]> LoadSafetensors(string directory)
    {
        using var scope = NewDisposeScope();
        using var stream = File.OpenRead(Path.Combine(directory, "model.safetensors"));
        return Safetensors.LoadStateDict(stream).ToDictionary(p => p.Key, p => p.Value.data<float>().ToArray());
    }
}
