using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;
using static LinearDsl.Analyzers.ForwardPass.TorchOperations;

namespace LinearDsl.Analyzers.ForwardPass
{
    /// <summary>The checks of one [ForwardPass] method, with its declared time axis.</summary>
    internal sealed class ForwardPassChecker
    {
        /// <summary>Calls that reduce, sort or normalise along their dim argument(s).</summary>
        static readonly HashSet<string> Reductions = new HashSet<string>
        {
            "sum", "nansum", "mean", "nanmean", "prod", "amax", "amin", "max", "min", "argmax", "argmin", "logsumexp",
            "std", "var", "std_mean", "var_mean", "median", "nanmedian", "mode", "sort", "argsort", "topk", "all", "any",
            "count_nonzero", "norm", "softmax", "log_softmax",
        };

        readonly TimeAxis _axis;

        public ForwardPassChecker(TimeAxis axis) => _axis = axis;

        public void AnalyzeInvocation(OperationAnalysisContext context)
        {
            var call = (IInvocationOperation)context.Operation;
            if (!IsTorch(call.TargetMethod)) return;
            string name = call.TargetMethod.Name;
            switch (name)
            {
                case "flip":
                case "fliplr":
                case "flipud":
                    long? flipped = name == "fliplr" ? 1 : name == "flipud" ? 0 : (long?)null;
                    var flipDims = flipped is long fixedDim ? new List<long> { fixedDim } : Constants(Argument(call, "dims")) ?? new List<long>();
                    if (FirstTime(flipDims) is long flip) Report(context, Rules.TimeReversed, call, name, "reverses the tensor", flip);
                    break;
                case "roll":
                    var shifts = Constants(Argument(call, "shifts"));
                    if (FirstTime(Constants(Argument(call, "dims")) ?? new List<long>()) is long roll && !(shifts != null && shifts.All(s => s == 0)))
                        Report(context, Rules.TimeReversed, call, name, "rotates the tensor (the last positions wrap around to the front, or later positions move earlier)", roll);
                    break;
                case "conv1d":
                    CheckConv(context, call);
                    break;
                case "scaled_dot_product_attention":
                    CheckAttention(context, call);
                    break;
                case "select":
                case "narrow":
                    var dim = Constants(Argument(call, "dim"));
                    var index = Argument(call, name == "select" ? "index" : "start");
                    if (dim is { Count: 1 } && _axis.IsTime(dim[0]) && index != null && LaterIndex(index) is var (text, ahead))
                        Report(context, Rules.ReadsLaterPosition, call, name, text, dim[0], ahead);
                    break;
            }
            if (!Reductions.Contains(name)) return;
            if (FirstTime(Dimensions(call)) is long reduced)
            {
                Report(context, Rules.ReductionOverTime, call, name, reduced);
            }
            else if ((name == "softmax" || name == "log_softmax") && AttentionScores.UnmaskedProduct(Input(call)) is { } product)
            {
                Report(context, Rules.UnmaskedAttention, call,
                    $"'{name}' normalises attention scores from '{product.TargetMethod.Name}' that no mask has touched",
                    "fill the future with -inf first (scores.masked_fill(ones(T, T).triu(1), double.NegativeInfinity)) or use scaled_dot_product_attention(..., is_casual: true)");
            }
        }

        /// <summary>Indexers x[..., t + 1, ...]: the position of an index is its dimension (bails out at Ellipsis or None).</summary>
        public void AnalyzeIndexer(OperationAnalysisContext context)
        {
            var reference = (IPropertyReferenceOperation)context.Operation;
            if (!reference.Property.IsIndexer || !IsTensor(reference.Property.ContainingType)) return;
            var indices = new List<IOperation>();
            foreach (var argument in reference.Arguments)
            {
                if (Unwrap(argument.Value) is IArrayCreationOperation array)
                {
                    if (array.Initializer == null) return;
                    indices.AddRange(array.Initializer.ElementValues);
                }
                else
                {
                    indices.Add(argument.Value);
                }
            }
            if (indices.Any(IsPositionShifter) || indices.Any(i => IsTensor(Unwrap(i).Type))) return;
            if (_axis.Index >= indices.Count) return;
            if (LaterIndex(indices[_axis.Index]) is var (text, ahead))
                Report(context, Rules.ReadsLaterPosition, indices[_axis.Index], "indexer", text, _axis.Index, ahead);
        }

        /// <summary>TensorIndex.Ellipsis, TensorIndex.None or null (newaxis) change which index meets which dimension.</summary>
        static bool IsPositionShifter(IOperation index)
        {
            var value = Unwrap(index);
            if (value.ConstantValue.HasValue && value.ConstantValue.Value == null) return true;
            return value is IMemberReferenceOperation member && (member.Member.Name == "Ellipsis" || member.Member.Name == "None");
        }

        static void CheckConv(OperationAnalysisContext context, IInvocationOperation call)
        {
            // The input padded on the right by F.pad: its first pair (left, right) pads the conv's time axis (the last).
            var input = Argument(call, "input");
            if (input != null && Unwrap(input) is ILocalReferenceOperation local) input = SingleValue(local);
            if (input != null && Unwrap(input) is IInvocationOperation pad && pad.TargetMethod.Name == "pad" && IsTorch(pad.TargetMethod)
                && Constants(Argument(pad, "pad")) is { Count: >= 2 } amounts && amounts[1] > 0)
            {
                Report(context, Rules.ConvSeesFuture, pad,
                    $"The input of conv1d is padded with {amounts[1]} zero(s) on the right of the time axis (pad amounts {{ {string.Join(", ", amounts)} }})");
                return;
            }
            // Symmetric integer padding whose output is not trimmed to its first positions.
            var padding = Argument(call, "padding");
            if (padding != null && Constants(padding) is { Count: 1 } p && p[0] > 0 && !IsTrimmedFromStart(call))
            {
                Report(context, Rules.ConvSeesFuture, padding,
                    $"conv1d pads both ends of the time axis by {p[0]} and its output is not trimmed to the first positions (for a kernel of K taps, padding (K - 1) / 2 is a centred, \"same\" conv)");
            }
        }

        /// <summary>conv1d(...).narrow(-1 or last, 0, n), torch.narrow(conv1d(...), ..., 0, n) or conv1d(...)[..., ..n].</summary>
        static bool IsTrimmedFromStart(IInvocationOperation conv)
        {
            var parent = conv.Parent;
            while (parent is IConversionOperation) parent = parent.Parent;
            if (parent is IArgumentOperation argument) parent = argument.Parent;
            if (parent is IInvocationOperation narrow && narrow.TargetMethod.Name == "narrow")
                return Constants(Argument(narrow, "start")) is { Count: 1 } start && start[0] == 0;
            if (parent is IPropertyReferenceOperation indexer && indexer.Property.IsIndexer)
            {
                var last = indexer.Arguments.LastOrDefault()?.Value;
                if (last != null && Unwrap(last) is IArrayCreationOperation array && array.Initializer != null) last = array.Initializer.ElementValues.LastOrDefault();
                return last != null && Unwrap(last) is IRangeOperation range
                    && (range.LeftOperand == null || (Constants(range.LeftOperand) is { Count: 1 } from && from[0] == 0));
            }
            return false;
        }

        static void CheckAttention(OperationAnalysisContext context, IInvocationOperation call)
        {
            var causal = call.Arguments.FirstOrDefault(a => a.Parameter?.Name == "is_casual" || a.Parameter?.Name == "is_causal");
            if (causal == null || !causal.Value.ConstantValue.HasValue || !(causal.Value.ConstantValue.Value is bool isCausal)) return;   // not constant: not judged
            if (isCausal) return;
            var mask = call.Arguments.FirstOrDefault(a => a.Parameter?.Name == "attn_mask");
            if (mask != null && mask.ArgumentKind == ArgumentKind.Explicit && !(mask.Value.ConstantValue.HasValue && mask.Value.ConstantValue.Value == null)) return;
            Report(context, Rules.UnmaskedAttention, call,
                "'scaled_dot_product_attention' has neither is_casual: true nor an attn_mask", "pass is_casual: true");
        }

        long? FirstTime(IEnumerable<long> dims)
        {
            foreach (long d in dims)
                if (_axis.IsTime(d)) return d;
            return null;
        }

        static void Report(OperationAnalysisContext context, DiagnosticDescriptor rule, IOperation at, params object[] arguments)
            => context.ReportDiagnostic(Diagnostic.Create(rule, Location(at.Syntax), arguments));

        /// <summary>For x.a(...).flip(1) the span "flip(1)", not the whole chain; otherwise the node itself.</summary>
        internal static Location Location(SyntaxNode syntax)
        {
            if (syntax is InvocationExpressionSyntax invocation && invocation.Expression is MemberAccessExpressionSyntax member)
                return Microsoft.CodeAnalysis.Location.Create(syntax.SyntaxTree, TextSpan.FromBounds(member.Name.SpanStart, invocation.Span.End));
            return syntax.GetLocation();
        }
    }
}
