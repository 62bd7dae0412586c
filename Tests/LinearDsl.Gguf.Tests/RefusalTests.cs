using LinearDsl.Runtime.Checkpoints.Gguf;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Gguf.Tests;

/// <summary>Checkpoints that llama.cpp's llama architecture cannot express are refused with the setting named, and nothing is written.</summary>
public sealed class RefusalTests(TinySoftmaxCheckpoints checkpoints) : IClassFixture<TinySoftmaxCheckpoints>
{
    public static TheoryData<string, string> Unsupported => new()
    {
        { "augmented", "layer 0 uses the AugmentedLinear mixer, not softmax attention" },
        { "hybrid", "layer 1 uses the AugmentedLinear mixer" },
        { "layer-norm", "norm LayerNorm is not supported" },
        { "gelu", "mlp Gelu is not supported" },
        { "learned", "positions Learned is not supported" },
        { "bias", "attention_bias true is not supported" },
        { "bidirectional", "layer 0 is bidirectional softmax attention" },
        { "vocab", "vocab_size 300 is not supported" },
        { "grouped-mixed", "layer 1 has 4 heads and 4 kv heads, unlike layer 0" },
    };

    [Theory]
    [MemberData(nameof(Unsupported))]
    public void An_unsupported_setting_is_named_in_one_line_and_nothing_is_written(string which, string problem)
    {
        var softmax = TinySoftmaxCheckpoints.Config(MixerSpec.Softmax(4));
        var config = which switch
        {
            "augmented" => softmax with { Mixer = MixerSpec.AugmentedLinear(4, new AugmentedLinearAttentionOptions { GroupSize = 8, ConvTaps = 4 }) },
            "hybrid" => softmax with { LayerMixers = new Dictionary<int, MixerSpec> { [1] = MixerSpec.AugmentedLinear(4, new AugmentedLinearAttentionOptions { GroupSize = 8, ConvTaps = 4 }) } },
            "layer-norm" => softmax with { Norm = NormKind.LayerNorm },
            "gelu" => softmax with { Mlp = MlpKind.Gelu },
            "learned" => softmax with { Positions = PositionKind.Learned },
            "bias" => softmax with { AttentionBias = true },
            "bidirectional" => softmax with { Mixer = MixerSpec.Softmax(4, bidirectional: true) },
            "vocab" => softmax with { VocabSize = 300 },
            "grouped-mixed" => softmax with { Mixer = MixerSpec.Softmax(4, kvHeads: 2), LayerMixers = new Dictionary<int, MixerSpec> { [1] = MixerSpec.Softmax(4) } },
            _ => throw new ArgumentOutOfRangeException(nameof(which)),
        };
        string directory = checkpoints.Save($"refused-{which}", config, seed: 5);
        string output = Path.Combine(checkpoints.Root, "refused-out", $"{which}.gguf");

        var export = () => GgufExport.Export(directory, output, GgufWeightType.F32);

        var error = export.Should().Throw<NotSupportedException>().Which;
        error.Message.Should().Contain(problem).And.Contain("export-gguf takes LLaMA-style softmax checkpoints").And.NotContain("\n");
        File.Exists(output).Should().BeFalse();
        Directory.Exists(Path.GetDirectoryName(output)).Should().BeFalse("the refusal comes before anything is created");
    }

    [Theory]
    [InlineData("model.safetensors")]
    [InlineData("config.json")]
    [InlineData("")]
    public void The_output_cannot_be_the_checkpoint_or_one_of_its_files(string file)
    {
        string target = Path.Combine(checkpoints.Tied, file);
        byte[] before = File.ReadAllBytes(Path.Combine(checkpoints.Tied, "model.safetensors"));

        var export = () => GgufExport.Export(checkpoints.Tied, target, GgufWeightType.F32);

        export.Should().Throw<ArgumentException>().WithMessage("*is the checkpoint itself or one of its files*");
        File.ReadAllBytes(Path.Combine(checkpoints.Tied, "model.safetensors")).Should().Equal(before);
    }
}
