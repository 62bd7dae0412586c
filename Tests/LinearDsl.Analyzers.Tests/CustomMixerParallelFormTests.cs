using LinearDsl.Analyzers.ForwardPass;
using Microsoft.CodeAnalysis;
using static LinearDsl.Analyzers.Tests.TestSetup;

namespace LinearDsl.Analyzers.Tests;

/// <summary>
/// The [ForwardPass] checks on the parallel form of a user-defined mixer (ParallelCore of a CustomMixer&lt;TState&gt;),
/// without the attribute, on [batch, heads, time, head_dim]: time is dimension 2 (or -2).
/// </summary>
public sealed class CustomMixerParallelFormTests
{
    /// <summary>The runtime's mixer bases as stubs (this test project references no runtime).</summary>
    const string RuntimeStubs = """
        namespace LinearDsl.Runtime.Mixers
        {
            public abstract class TokenMixer
            {
                protected abstract TorchSharp.torch.Tensor ParallelCore(TorchSharp.torch.Tensor q, TorchSharp.torch.Tensor k, TorchSharp.torch.Tensor v);
            }

            public abstract class CustomMixer<TState> : TokenMixer
            {
                protected abstract TorchSharp.torch.Tensor StepState(TorchSharp.torch.Tensor q, TorchSharp.torch.Tensor k, TorchSharp.torch.Tensor v, TState state);
            }
        }
        """;

    static string Mixer(string parallel, string step = "return v;", string baseType = "CustomMixer<object>") => $$"""
        using System;
        using LinearDsl.Runtime.Mixers;
        using TorchSharp;
        using static TorchSharp.torch;

        public sealed class MyMixer : {{baseType}}
        {
            protected override Tensor ParallelCore(Tensor q, Tensor k, Tensor v)
            {
                long time = q.shape[2];
                {{parallel}}
            }

            {{(baseType.StartsWith("CustomMixer", StringComparison.Ordinal) ? $$"""protected override Tensor StepState(Tensor q, Tensor k, Tensor v, object state) { {{step}} }""" : "")}}
        }
        """ + "\n" + RuntimeStubs;

    static Task Run(string source, params DiagnosticResult[] expected) => new AnalyzerTest<ForwardPassAnalyzer>(source, expected).RunAsync();

    [Fact]
    public Task A_reversed_cumulative_sum_over_time_fires_without_a_ForwardPass_attribute()
        => Run(Mixer("return v.{|#0:flip(2)|}.cumsum(2).{|#1:flip(2)|};"),
            At("LDSL2101", DiagnosticSeverity.Warning, "flip", "reverses the tensor", 2L),
            new DiagnosticResult("LDSL2101", DiagnosticSeverity.Warning).WithLocation(1).WithArguments("flip", "reverses the tensor", 2L));

    [Fact]
    public Task A_softmax_over_unmasked_scores_fires()
        => Run(Mixer("var scores = q.matmul(k.transpose(-1, -2));\n        return scores.{|#0:softmax(-1)|}.matmul(v);"),
            At("LDSL2103", DiagnosticSeverity.Warning, "'softmax' normalises attention scores from 'matmul' that no mask has touched",
                "fill the future with -inf first (scores.masked_fill(ones(T, T).triu(1), double.NegativeInfinity)) or use scaled_dot_product_attention(..., is_casual: true)"));

    [Fact]
    public Task A_mean_over_time_counted_from_the_end_fires()
        => Run(Mixer("return v - v.{|#0:mean(new long[] { -2 }, keepdim: true)|};"), At("LDSL2104", DiagnosticSeverity.Warning, "mean", -2L));

    [Fact]
    public Task A_later_position_read_by_narrow_fires()
        => Run(Mixer("long t = 0;\n        return v.{|#0:narrow(2, t + 1, 1)|};"), At("LDSL2105", DiagnosticSeverity.Warning, "narrow", "t + 1", 2L, 1L));

    [Theory]
    [InlineData("var weights = q.relu().matmul(k.relu().transpose(-1, -2));\n        weights = weights.masked_fill(ones(time, time, ScalarType.Bool).triu(1), 0);\n        return weights.matmul(v).div(weights.sum(-1, keepdim: true).add(1e-6));")]   // cosFormer-style, masked
    [InlineData("return v.cumsum(2).div(arange(1, time + 1).view(1, 1, -1, 1));")]                                                                                    // a causal prefix mean
    [InlineData("return v.flip(3);")]                                                                                                                                      // head_dim, not time
    public Task A_causal_parallel_form_is_silent(string parallel) => Run(Mixer(parallel));

    [Fact]
    public Task The_step_is_not_judged_as_a_forward_pass_over_time()
        => Run(Mixer("return v;", step: "return v.sum(2, keepdim: true);"));

    [Fact]
    public Task A_ParallelCore_outside_a_CustomMixer_is_not_checked()
        => Run(Mixer("return v.flip(2);", baseType: "TokenMixer"));

    [Fact]
    public Task A_parallel_form_marked_non_causal_is_an_encoder_mixer_and_is_not_checked()
        // The reversed cumulative sum of the first test, in a ParallelCore marked [ForwardPass(Causal = false)]: a
        // bidirectional mixer for encoder stacks (MixerDeclarationAnalyzer keeps it out of decoders, LDSL2012).
        => Run(Mixer("return v.flip(2).cumsum(2).flip(2);").Replace("protected override Tensor ParallelCore",
            "[LinearDsl.ForwardPass(Causal = false)]\n    protected override Tensor ParallelCore", StringComparison.Ordinal));
}
