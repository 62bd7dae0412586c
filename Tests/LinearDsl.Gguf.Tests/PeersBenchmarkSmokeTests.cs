using System.Text.Json;
using LinearDsl.Benchmarks;

namespace LinearDsl.Gguf.Tests;

/// <summary>
/// The peers benchmark's code path in its quick form (tiny contexts): every engine at every context and thread
/// count, with the fields the issue asks for, the KV cache sizes both engines report, and the target ratios. It asserts
/// no timing (a figure is only checked to be a positive, finite number).
/// </summary>
public sealed class PeersBenchmarkSmokeTests
{
    [Fact]
    public void A_quick_run_measures_every_engine_at_every_context_and_thread_count_and_computes_the_targets()
    {
        var settings = PeersSettings.Parse([], quick: true, out var error);
        error.Should().BeNull();
        settings!.Sizes.Should().Equal("bundled");
        var log = new StringWriter();

        var (rows, targets) = new PeersBenchmarks(settings, log).Run();

        var variants = rows.Select(r => $"{r.Engine}:{r.Model}:{r.Weights}").Distinct();
        variants.Should().BeEquivalentTo(PeersVariants.All.Select(v => v.Id));
        rows.Should().HaveCount(PeersVariants.All.Length * settings.Contexts.Count * settings.Threads.Count);
        foreach (var row in rows)
        {
            row.Benchmark.Should().Be("peers");
            row.Size.Should().Be("bundled");
            settings.Contexts.Should().Contain(row.Context);
            settings.Threads.Should().Contain(row.Threads);
            double.IsFinite(row.MsPerToken).Should().BeTrue();
            row.MsPerToken.Should().BePositive();
            row.PrefillMs.Should().BePositive();
            row.PrefillTotalMs.Should().BeGreaterThanOrEqualTo(row.PrefillMs);
            row.Samples.Should().Be(settings.Rounds * settings.StepsPerRound);
            row.Isa.Should().NotBeNullOrWhiteSpace();
            row.Machine.Should().NotBeNullOrWhiteSpace();
            row.FlashAttention.Should().Be(row.Engine == "llama.cpp" ? false : null);
        }
        // Both engines hold the same float32 KV cache: 2 (keys, values) x 6 layers x width 256 x context x 4 bytes;
        // llama.cpp's sequence state adds a small header.
        foreach (var row in rows.Where(r => r.Model == "softmax"))
        {
            long cache = 2L * 6 * 256 * row.Context * 4;
            if (row.Engine == "lineardsl") row.StateBytes.Should().Be(cache);
            else row.StateBytes.Should().BeInRange(cache, cache + 4096);
        }
        rows.Where(r => r.Model == "augmented").Select(r => r.StateBytes).Distinct().Should().ContainSingle("the augmented state does not grow with the context");
        targets.Should().HaveCount(settings.Contexts.Count * settings.Threads.Count, "tiny contexts leave only the softmax ratios (the others are taken at 512 and 8192 tokens)");
        targets.Should().OnlyContain(t => t.Target.Contains("lineardsl softmax f32 / llama.cpp f32") && double.IsFinite(t.Value) && t.Value > 0 && t.Limit == 1.0);
        JsonSerializer.Serialize(rows.Cast<object>().Concat(targets).ToList()).Should().Contain("\"ms_per_token\":").And.Contain("\"benchmark\":\"target\"");
        log.ToString().Should().Contain("lineardsl:augmented:f32");
    }

    [Theory]
    [InlineData("--contexts", "512,x", "--contexts takes token counts")]
    [InlineData("--sizes", "1b", "--sizes takes bundled and/or 100m")]
    [InlineData("--threads", "0", "--threads takes thread counts")]
    [InlineData("--engines", "onnx", "--engines takes engines or variants")]
    [InlineData("--depth", "3", "Unknown option '--depth'")]
    public void A_bad_option_is_refused_in_one_line(string option, string value, string message)
    {
        PeersSettings.Parse([option, value], quick: false, out var error).Should().BeNull();
        error.Should().StartWith(message).And.NotContain("\n");
    }

    [Fact]
    public void The_100m_size_stops_at_8192_tokens_unless_the_contexts_are_given()
    {
        var defaults = PeersSettings.Parse([], quick: false, out _)!;
        defaults.ContextsFor("bundled").Should().Equal(512, 2048, 8192, 16384);
        defaults.ContextsFor("100m").Should().Equal(512, 2048, 8192);
        var given = PeersSettings.Parse(["--contexts", "16384,512", "--engines", "lineardsl:augmented,llama.cpp"], quick: false, out _)!;
        given.ContextsFor("100m").Should().Equal(512, 16384);
        PeersVariants.All.Where(v => given.Engines.Any(v.Matches)).Select(v => v.Id)
            .Should().Equal("llama.cpp:softmax:f32", "llama.cpp:softmax:q8_0", "lineardsl:augmented:f32", "lineardsl:augmented:int8");
    }
}
