using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Diagnostics;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Models.Tests;

/// <summary>
/// The bundled pair with int8 weights (through their generated decode programs) on the end of the bundled corpus:
/// perplexity within 1 % of the float model's (docs/quantization.md records the full validation measurement), and
/// the int8 model's logits differ from the float ones, so the int8 kernels ran.
/// </summary>
public sealed class Int8PerplexityTests
{
    [Theory]
    [InlineData("target")]
    [InlineData("draft")]
    public void Int8_weights_keep_the_bundled_models_perplexity_within_one_percent(string which)
    {
        string root = RunInfo.FindRepositoryRoot(AppContext.BaseDirectory)!;
        string directory = Path.Combine(root, "Models", "bundled", which);
        using var scope = NewDisposeScope();
        using var plain = Checkpoint.Load(directory);
        // Loaded by its declared class, which attaches the generated program (Checkpoint.Load gives the runtime one here).
        using var int8 = which == "target" ? AugLlama.Load(directory) : AugLlamaDraft.Load(directory);
        int8.QuantizeToInt8();
        int8.HasInt8Weights.Should().BeTrue();
        int8.DecodeProgram.Should().NotBeNull().And.NotBeOfType<LinearDsl.Runtime.Fused.ConfigDecodeProgram>("the bundled models run their generated programs");

        // The last 3 x 257 bytes of the corpus (the tail that train holds out for validation): 3 sequences of 256 predictions.
        var bytes = File.ReadAllBytes(Path.Combine(root, "Models", "corpus", "kjv.txt"));
        const int Rows = 3, Length = 257;
        var ids = bytes.AsSpan(bytes.Length - Rows * Length).ToArray().Select(b => (long)b).ToArray();
        var tokens = tensor(ids, [Rows, Length]);
        var inputs = tokens.narrow(1, 0, Length - 1);
        var targets = tokens.narrow(1, 1, Length - 1).reshape(-1);

        double Perplexity(CausalLanguageModel model)
        {
            using var noGrad = no_grad();
            var logits = model.Forward(inputs);
            return Math.Exp(nn.functional.cross_entropy(logits.reshape(-1, model.VocabSize), targets).item<float>());
        }

        double reference = Perplexity(plain), quantized = Perplexity(int8);
        reference.Should().BeLessThan(10, "the bundled models are trained on this text");
        quantized.Should().NotBe(reference, "the int8 kernels ran");
        (quantized / reference - 1).Should().BeLessThan(0.01, $"float {reference:F4}, int8 {quantized:F4}");
    }
}
