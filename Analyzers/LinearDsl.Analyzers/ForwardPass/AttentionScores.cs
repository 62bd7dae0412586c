using System.Linq;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis;
using static LinearDsl.Analyzers.ForwardPass.TorchOperations;

namespace LinearDsl.Analyzers.ForwardPass
{
    /// <summary>
    /// Whether a tensor is attention scores that no mask has touched: the result of matmul, bmm or einsum, reached
    /// through scaling (mul, div, * and / by anything, add or sub of a non-tensor, contiguous, to, clone) and through
    /// locals assigned once. Anything else on the way (masked_fill, where, tril, triu, adding another tensor such as an
    /// additive mask, an unknown call, a parameter) counts as possibly masked, so nothing is reported.
    /// </summary>
    internal static class AttentionScores
    {
        static readonly string[] Products = { "matmul", "bmm", "einsum", "baddbmm" };
        static readonly string[] Scalings = { "mul", "mul_", "div", "div_", "contiguous", "to", "type", "clone", "@float", "@double", "float", "double" };
        static readonly string[] Shifts = { "add", "add_", "sub", "sub_" };

        /// <summary>The product call the scores come from, or null when they may be masked.</summary>
        public static IInvocationOperation? UnmaskedProduct(IOperation? operation, int depth = 0)
        {
            if (operation == null || depth > 16) return null;
            switch (Unwrap(operation))
            {
                case IInvocationOperation call when IsTorch(call.TargetMethod):
                    string name = call.TargetMethod.Name;
                    if (Products.Contains(name)) return call;
                    if (Scalings.Contains(name)) return UnmaskedProduct(Input(call), depth + 1);
                    if (Shifts.Contains(name) && !call.Arguments.Any(a => IsTensor(a.Value.Type) && !ReferenceEquals(a.Value, Input(call))))
                        return UnmaskedProduct(Input(call), depth + 1);
                    return null;
                case IBinaryOperation binary when IsTensor(binary.Type):
                    bool leftTensor = IsTensor(binary.LeftOperand.Type), rightTensor = IsTensor(binary.RightOperand.Type);
                    switch (binary.OperatorKind)
                    {
                        case BinaryOperatorKind.Multiply:
                        case BinaryOperatorKind.Divide:
                            return UnmaskedProduct(leftTensor ? binary.LeftOperand : binary.RightOperand, depth + 1);
                        case BinaryOperatorKind.Add:
                        case BinaryOperatorKind.Subtract:
                            if (leftTensor && rightTensor) return null;      // e.g. scores + mask
                            return UnmaskedProduct(leftTensor ? binary.LeftOperand : binary.RightOperand, depth + 1);
                        default:
                            return null;
                    }
                case ILocalReferenceOperation local:
                    return UnmaskedProduct(SingleValue(local), depth + 1);
                default:
                    return null;
            }
        }
    }
}
