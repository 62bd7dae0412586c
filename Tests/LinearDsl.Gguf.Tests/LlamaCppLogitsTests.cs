using LinearDsl.Runtime.Checkpoints.Gguf;
using Xunit.Abstractions;

namespace LinearDsl.Gguf.Tests;

/// <summary>
/// The exported file run by llama.cpp gives LinearDsl's logits: at every position of a prompt fed by token id,
/// against LinearDsl's Forward in float64.
/// </summary>
public sealed class LlamaCppLogitsTests(TinySoftmaxCheckpoints checkpoints, ITestOutputHelper output) : IClassFixture<TinySoftmaxCheckpoints>
{
    static readonly long[] Prompt = [84, 104, 101, 32, 115, 101, 97, 10, 0, 200, 255, 65];

    [Theory]
    [InlineData("tied")]
    [InlineData("grouped")]
    public void F32_gives_LinearDsls_logits_at_every_position(string which)
    {
        string directory = which == "tied" ? checkpoints.Tied : checkpoints.Grouped;
        string file = Path.Combine(checkpoints.Root, $"{which}-f32.gguf");
        GgufExport.Export(directory, file, GgufWeightType.F32);

        var (worst, scale) = Compare(directory, file);

        // float32 kernels against a float64 reference: relative to the largest logit, well under 1e-3.
        worst.Should().BeLessThan(1e-4 * scale);
    }

    [Theory]
    [InlineData("tied")]
    [InlineData("grouped")]
    public void Q8_0_stays_close_and_picks_the_same_next_token(string which)
    {
        string directory = which == "tied" ? checkpoints.Tied : checkpoints.Grouped;
        string file = Path.Combine(checkpoints.Root, $"{which}-q8_0.gguf");
        GgufExport.Export(directory, file, GgufWeightType.Q8_0);

        var (worst, scale) = Compare(directory, file, sameArgmaxAboveMargin: true);

        // 8-bit weights, and llama.cpp's 8-bit activations in the Q8_0 products: about 3 % of the largest logit here.
        worst.Should().BeLessThan(0.05 * scale);
    }

    (double Worst, double Scale) Compare(string directory, string file, bool sameArgmaxAboveMargin = false)
    {
        var expected = TinySoftmaxCheckpoints.ReferenceLogits(directory, Prompt);
        var actual = LlamaCpp.Logits(file, Prompt);
        actual.Should().HaveCount(Prompt.Length);
        double worst = 0, scale = 0;
        for (int t = 0; t < Prompt.Length; t++)
        {
            actual[t].Should().HaveCount(expected[t].Length);
            for (int v = 0; v < expected[t].Length; v++)
            {
                worst = Math.Max(worst, Math.Abs(actual[t][v] - expected[t][v]));
                scale = Math.Max(scale, Math.Abs(expected[t][v]));
            }
        }
        output.WriteLine($"{Path.GetFileName(file)}: largest |logit| {scale:G4}, largest difference {worst:G4} ({worst / scale:E2} relative)");
        scale.Should().BeGreaterThan(1, "the random model's logits should spread out, or the comparison says little");
        for (int t = 0; t < Prompt.Length; t++)
        {
            var ranked = expected[t].Select((x, v) => (x, v)).OrderByDescending(p => p.x).ToArray();
            int top = Array.IndexOf(actual[t], actual[t].Max());
            // Where LinearDsl's two best tokens are further apart than twice the largest error, llama.cpp picks the same one.
            if (!sameArgmaxAboveMargin || ranked[0].x - ranked[1].x > 2 * worst) top.Should().Be(ranked[0].v, $"position {t}");
        }
        return (worst, scale);
    }
}
