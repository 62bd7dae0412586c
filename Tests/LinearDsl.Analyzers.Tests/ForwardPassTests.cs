using LinearDsl.Analyzers.CodeFixes;
using LinearDsl.Analyzers.ForwardPass;
using Microsoft.CodeAnalysis;
using static LinearDsl.Analyzers.Tests.TestSetup;

namespace LinearDsl.Analyzers.Tests;

/// <summary>LDSL2100-LDSL2105 on hand-written TorchSharp layers: each fires at the exact call, and not on its causal near miss.</summary>
public sealed class ForwardPassTests
{
    /// <summary>A layer whose [ForwardPass] method body is <paramref name="body"/>: x is [batch, time, channels].</summary>
    static string Layer(string body, string attribute = "[ForwardPass]", string members = "") => $$"""
        using System;
        using LinearDsl;
        using TorchSharp;
        using static TorchSharp.torch;
        using static TorchSharp.torch.nn.functional;

        public sealed class Layer
        {
            {{members}}
            {{attribute}}
            public Tensor Forward(Tensor x, Tensor q, Tensor k, Tensor v, Tensor w, Tensor mask, long t)
            {
                {{body}}
            }
        }
        """;

    static Task Fires(string body, DiagnosticResult expected, string attribute = "[ForwardPass]", string members = "")
        => new AnalyzerTest<ForwardPassAnalyzer>(Layer(body, attribute, members), expected).RunAsync();

    static Task Silent(string body, string attribute = "[ForwardPass]", string members = "")
        => new AnalyzerTest<ForwardPassAnalyzer>(Layer(body, attribute, members)).RunAsync();

    // LDSL2101: flip / roll along time.

    [Fact]
    public Task LDSL2101_fires_on_a_flip_along_time()
        => Fires("return x.{|#0:flip(1)|};", At("LDSL2101", DiagnosticSeverity.Warning, "flip", "reverses the tensor", 1L));

    [Fact]
    public Task LDSL2101_fires_on_a_reverse_cumulative_sum_through_torch_flip()
        => new AnalyzerTest<ForwardPassAnalyzer>(Layer("return torch.{|#0:flip(torch.{|#1:flip(x, 1)|}.cumsum(1), new long[] { 1 })|};"),
            At("LDSL2101", DiagnosticSeverity.Warning, "flip", "reverses the tensor", 1L),
            new DiagnosticResult("LDSL2101", DiagnosticSeverity.Warning).WithLocation(1).WithArguments("flip", "reverses the tensor", 1L)).RunAsync();

    [Fact]
    public Task LDSL2101_fires_on_a_roll_along_time_with_a_declared_layout()
        => Fires("return x.{|#0:roll(-1, -2)|};", At("LDSL2101", DiagnosticSeverity.Warning, "roll", "rotates the tensor (the last positions wrap around to the front, or later positions move earlier)", -2L),
            attribute: "[ForwardPass(TimeDim = 2, Rank = 4)]");

    [Fact]
    public Task LDSL2101_fires_inside_a_lambda_and_a_local_function_of_the_forward_pass()
        => new AnalyzerTest<ForwardPassAnalyzer>(Layer("Func<Tensor, Tensor> f = y => y.{|#0:flip(1)|};\n        return f(Reverse(x));\n        Tensor Reverse(Tensor y) => y.{|#1:flip(1)|};"),
            At("LDSL2101", DiagnosticSeverity.Warning, "flip", "reverses the tensor", 1L),
            new DiagnosticResult("LDSL2101", DiagnosticSeverity.Warning).WithLocation(1).WithArguments("flip", "reverses the tensor", 1L)).RunAsync();

    [Theory]
    [InlineData("return x.flip(2);")]                       // channels
    [InlineData("return x.roll(1, 0);")]                    // batch
    [InlineData("return x.roll(0, 1);")]                    // a roll by nothing
    [InlineData("return x.cumsum(1);")]                     // a causal prefix sum
    [InlineData("long d = 1; return x.flip(d);")]           // not a constant: not judged
    public Task LDSL2101_is_silent_off_the_time_axis(string body) => Silent(body);

    // LDSL2102: convolutions over time that read later positions.

    [Fact]
    public Task LDSL2102_fires_on_a_symmetric_padding_that_is_not_trimmed()
        => Fires("return conv1d(x, w, padding: {|#0:1|});",
            At("LDSL2102", DiagnosticSeverity.Warning, "conv1d pads both ends of the time axis by 1 and its output is not trimmed to the first positions (for a kernel of K taps, padding (K - 1) / 2 is a centred, \"same\" conv)"));

    [Fact]
    public Task LDSL2102_fires_on_an_input_padded_on_the_right()
        => Fires("var padded = {|#0:pad(x, new long[] { 0, 2 })|};\n        return conv1d(padded, w);",
            At("LDSL2102", DiagnosticSeverity.Warning, "The input of conv1d is padded with 2 zero(s) on the right of the time axis (pad amounts { 0, 2 })"));

    [Fact]
    public Task LDSL2102_fires_on_a_same_padded_conv_module_of_a_forward_pass_class()
        => Fires("return conv.call(x);",
            At("LDSL2102", DiagnosticSeverity.Warning, "Conv1d(..., Padding.Same) centres the kernel on t (for a kernel of K taps, (K - 1) / 2 of them fall on later positions)"),
            members: "readonly TorchSharp.Modules.Conv1d conv = nn.Conv1d(4, 4, 3, {|#0:Padding.Same|});");

    [Theory]
    [InlineData("return conv1d(pad(x, new long[] { 2, 0 }), w);")]                      // left padding: causal
    [InlineData("return conv1d(x, w, padding: 2).narrow(-1, 0, x.shape[2]);")]          // trimmed to the first T
    [InlineData("return conv1d(x, w, padding: 2)[.., .., ..(int)x.shape[2]];")]         // trimmed by a slice
    [InlineData("return conv1d(x, w);")]                                                // no padding
    public Task LDSL2102_is_silent_on_causal_convolutions(string body) => Silent(body);

    // LDSL2103: attention without a causal mask.

    [Fact]
    public Task LDSL2103_fires_on_a_softmax_over_raw_scores()
        => Fires("var scores = q.matmul(k.transpose(-2, -1)) / Math.Sqrt(8);\n        return scores.{|#0:softmax(-1)|}.matmul(v);",
            At("LDSL2103", DiagnosticSeverity.Warning, "'softmax' normalises attention scores from 'matmul' that no mask has touched",
                "fill the future with -inf first (scores.masked_fill(ones(T, T).triu(1), double.NegativeInfinity)) or use scaled_dot_product_attention(..., is_casual: true)"));

    [Fact]
    public Task LDSL2103_fires_on_attention_without_is_casual_and_the_fix_adds_it()
        => new FixTest<ForwardPassAnalyzer, AddCausalMaskCodeFix>(
            Layer("return {|#0:scaled_dot_product_attention(q, k, v)|};"),
            Layer("return scaled_dot_product_attention(q, k, v, is_casual: true);"),
            expected: At("LDSL2103", DiagnosticSeverity.Warning, "'scaled_dot_product_attention' has neither is_casual: true nor an attn_mask", "pass is_casual: true")).RunAsync();

    [Fact]
    public Task LDSL2103_fix_turns_an_explicit_false_into_true()
        => new FixTest<ForwardPassAnalyzer, AddCausalMaskCodeFix>(
            Layer("return nn.functional.{|#0:scaled_dot_product_attention(q, k, v, is_casual: false)|};"),
            Layer("return nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true);"),
            expected: At("LDSL2103", DiagnosticSeverity.Warning, "'scaled_dot_product_attention' has neither is_casual: true nor an attn_mask", "pass is_casual: true")).RunAsync();

    [Theory]
    [InlineData("var scores = q.matmul(k.transpose(-2, -1)).masked_fill(mask, double.NegativeInfinity);\n        return scores.softmax(-1).matmul(v);")]
    [InlineData("return (q.matmul(k.transpose(-2, -1)) + mask).softmax(-1).matmul(v);")]   // an additive mask
    [InlineData("return scaled_dot_product_attention(q, k, v, is_casual: true);")]
    [InlineData("return scaled_dot_product_attention(q, k, v, attn_mask: mask);")]
    [InlineData("return x.softmax(-1);")]                                                  // channels of a tensor that is not scores
    public Task LDSL2103_is_silent_on_masked_attention(string body) => Silent(body);

    // LDSL2104: reductions over time.

    [Fact]
    public Task LDSL2104_fires_on_a_mean_over_time()
        => Fires("return x - x.{|#0:mean(new long[] { 1 }, keepdim: true)|};", At("LDSL2104", DiagnosticSeverity.Warning, "mean", 1L));

    [Fact]
    public Task LDSL2104_fires_on_a_reverse_cumulative_sum_written_as_total_minus_prefix()
        => Fires("return x.{|#0:sum(1, keepdim: true)|} - x.cumsum(1);", At("LDSL2104", DiagnosticSeverity.Warning, "sum", 1L));

    [Fact]
    public Task LDSL2104_fires_on_a_softmax_along_time()
        => Fires("return x.{|#0:softmax(1)|};", At("LDSL2104", DiagnosticSeverity.Warning, "softmax", 1L));

    [Fact]
    public Task LDSL2104_counts_a_default_dimension_that_was_not_written()
        => Fires("return x.{|#0:sort()|}.Values;", At("LDSL2104", DiagnosticSeverity.Warning, "sort", -1L), attribute: "[ForwardPass(TimeDim = -1)]");

    [Theory]
    [InlineData("return x - x.mean(new long[] { -1 }, keepdim: true);")]   // over channels (layer norm)
    [InlineData("return x.cumsum(1) / arange(1, x.shape[1] + 1, dtype: x.dtype).view(1, -1, 1);")]   // docs/dsl.md's RunningMean
    [InlineData("return x.cumsum(1) / (t + 1);")]                           // a causal running mean
    [InlineData("return x.max(w);")]                                        // element-wise, no dim
    public Task LDSL2104_is_silent_off_the_time_axis(string body) => Silent(body);

    // LDSL2105: indexing at t + c.

    [Fact]
    public Task LDSL2105_fires_on_select_at_t_plus_one()
        => Fires("return x.{|#0:select(1, t + 1)|};", At("LDSL2105", DiagnosticSeverity.Warning, "select", "t + 1", 1L, 1L));

    [Fact]
    public Task LDSL2105_fires_on_an_indexer_at_t_plus_two()
        => Fires("return x[.., {|#0:t + 2|}];", At("LDSL2105", DiagnosticSeverity.Warning, "indexer", "t + 2", 1, 2L));

    [Theory]
    [InlineData("return x.select(1, t);")]
    [InlineData("return x.select(1, t - 1);")]
    [InlineData("return x.select(2, t + 1);")]                // channels
    [InlineData("return x[TensorIndex.Ellipsis, t + 1];")]   // the Ellipsis hides which dimension this is
    public Task LDSL2105_is_silent_on_the_present_and_the_past(string body) => Silent(body);

    // LDSL2100: the declared layout.

    [Fact]
    public Task LDSL2100_fires_on_a_time_dimension_outside_the_rank()
        => Fires("return x;", At("LDSL2100", DiagnosticSeverity.Error, "TimeDim = 3 and Rank = 3", "Forward"), attribute: "[{|#0:ForwardPass(TimeDim = 3)|}]");

    [Fact]
    public Task LDSL2100_is_silent_on_a_time_dimension_counted_from_the_end() => Silent("return x;", attribute: "[ForwardPass(TimeDim = -2)]");

    // Scope.

    [Fact]
    public Task A_method_without_ForwardPass_is_not_checked() => Silent("return x.flip(1);", attribute: "");

    [Fact]
    public Task A_justified_suppression_silences_a_false_positive()
        => Silent("return x.flip(1);",
            attribute: "[ForwardPass]\n    [System.Diagnostics.CodeAnalysis.SuppressMessage(\"LinearDsl.Causality\", \"LDSL2101\", Justification = \"x is [batch, channels, time] here; dimension 1 is channels.\")]");

    // Role: [ForwardPass(Causal = false)] marks an encoder layer, which reads the whole sequence by design.

    /// <summary>Each rule's firing body from above, in a method marked Causal = false: none fires.</summary>
    [Theory]
    [InlineData("return x.flip(1);")]                                                        // LDSL2101
    [InlineData("return conv1d(x, w, padding: 1);")]                                          // LDSL2102
    [InlineData("return q.matmul(k.transpose(-2, -1)).softmax(-1).matmul(v);")]              // LDSL2103
    [InlineData("return x - x.mean(new long[] { 1 }, keepdim: true);")]                      // LDSL2104
    [InlineData("return x.select(1, t + 1);")]                                               // LDSL2105
    public Task A_forward_pass_marked_non_causal_is_not_checked(string body)
    {
        // The same body fires in a causal forward pass (the default), so the silence comes from Causal = false.
        return Task.WhenAll(
            Silent(body, attribute: "[ForwardPass(Causal = false)]"),
            Assert.ThrowsAnyAsync<Exception>(() => Silent(body, attribute: "[ForwardPass(Causal = true)]")));
    }

    [Fact]
    public Task A_forward_pass_marked_non_causal_skips_the_layout_check_too()
        => Silent("return x;", attribute: "[ForwardPass(TimeDim = 3, Causal = false)]");

    [Fact]
    public Task A_same_padded_conv_module_is_not_checked_in_a_type_whose_only_forward_pass_is_non_causal()
        => Silent("return x;", attribute: "[ForwardPass(Causal = false)]",
            members: "readonly TorchSharp.Modules.Conv1d conv = nn.Conv1d(4, 4, 3, Padding.Same);");
}
