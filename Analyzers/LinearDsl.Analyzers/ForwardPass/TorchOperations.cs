using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace LinearDsl.Analyzers.ForwardPass
{
    /// <summary>Reading TorchSharp calls in the operation tree: which method, which argument, which constant.</summary>
    internal static class TorchOperations
    {
        static readonly string[] DimParameters = { "dim", "dims", "dim0", "dim1", "dim2", "dimension", "dimensions", "axis" };

        /// <summary>A method of TorchSharp (torch, torch.Tensor, torch.nn.functional, ...).</summary>
        public static bool IsTorch(IMethodSymbol method) => IsTorch(method.ContainingType);

        public static bool IsTorch(ITypeSymbol? type)
        {
            var ns = type?.ContainingNamespace;
            while (ns != null && !ns.IsGlobalNamespace && !(ns.ContainingNamespace?.IsGlobalNamespace ?? true)) ns = ns.ContainingNamespace;
            return ns?.Name == "TorchSharp";
        }

        public static bool IsTensor(ITypeSymbol? type) => type?.Name == "Tensor" && IsTorch(type);

        /// <summary>Strips implicit and explicit conversions (int to long, long to TensorIndex, array to span, ...).</summary>
        public static IOperation Unwrap(IOperation operation)
        {
            while (operation is IConversionOperation conversion) operation = conversion.Operand;
            return operation;
        }

        /// <summary>The value passed for the first parameter with one of <paramref name="names"/>, defaults included.</summary>
        public static IOperation? Argument(IInvocationOperation invocation, params string[] names)
            => invocation.Arguments.FirstOrDefault(a => a.Parameter != null && names.Contains(a.Parameter.Name))?.Value;

        /// <summary>The constant dimensions passed to any dimension parameter (dim, dims, dim0, dimensions, axis, ...).</summary>
        public static List<long> Dimensions(IInvocationOperation invocation)
        {
            var dims = new List<long>();
            foreach (var argument in invocation.Arguments)
            {
                if (argument.Parameter != null && DimParameters.Contains(argument.Parameter.Name))
                    dims.AddRange(Constants(argument.Value) ?? new List<long>());
            }
            return dims;
        }

        /// <summary>
        /// The compile-time integer constants of a value: a constant expression (literals, const fields and locals,
        /// arithmetic on them), or the constant elements of an array creation, a collection expression or a tuple.
        /// Null when there is none.
        /// </summary>
        public static List<long>? Constants(IOperation? operation)
        {
            if (operation == null) return null;
            if (operation.ConstantValue.HasValue)
                return IsInteger(operation.ConstantValue.Value) ? new List<long> { Convert.ToInt64(operation.ConstantValue.Value, System.Globalization.CultureInfo.InvariantCulture) } : null;
            if (operation is IConversionOperation conversion) return Constants(conversion.Operand);   // e.g. 1 passed as long?
            var elements = operation switch
            {
                IArrayCreationOperation array => array.Initializer?.ElementValues,
                ICollectionExpressionOperation collection => collection.Elements,
                ITupleOperation tuple => tuple.Elements,
                _ => (IEnumerable<IOperation>?)null,
            };
            if (elements == null) return null;
            var values = elements.Select(Constants).Where(v => v != null).SelectMany(v => v!).ToList();
            return values.Count == 0 ? null : values;
        }

        static bool IsInteger(object? value) => value is int || value is long || value is short || value is sbyte || value is byte || value is ushort || value is uint;

        /// <summary>The tensor a call works on: its receiver, else its first tensor argument (torch.flip(x, ...)).</summary>
        public static IOperation? Input(IInvocationOperation invocation)
            => invocation.Instance ?? invocation.Arguments.FirstOrDefault(a => IsTensor(a.Parameter?.Type))?.Value;

        /// <summary>An index written as e + c (or c + e) with a positive constant c and a non-constant e: (its text, c).</summary>
        public static (string Text, long Ahead)? LaterIndex(IOperation operation)
        {
            var value = Unwrap(operation);
            if (!(value is IBinaryOperation binary) || binary.ConstantValue.HasValue) return null;
            long? c = null;
            if (binary.OperatorKind == BinaryOperatorKind.Add)
                c = Positive(binary.RightOperand) ?? (binary.LeftOperand.ConstantValue.HasValue ? Positive(binary.LeftOperand) : null);
            else if (binary.OperatorKind == BinaryOperatorKind.Subtract && Constants(binary.RightOperand) is { Count: 1 } right && right[0] < 0)
                c = -right[0];
            return c is long ahead ? (value.Syntax.ToString(), ahead) : ((string, long)?)null;
        }

        static long? Positive(IOperation operand)
            => operand.ConstantValue.HasValue && Constants(operand) is { Count: 1 } values && values[0] > 0 ? values[0] : (long?)null;

        /// <summary>
        /// The value a local holds when it is assigned exactly once, at its declaration (var x = ...); null otherwise.
        /// </summary>
        public static IOperation? SingleValue(ILocalReferenceOperation reference)
        {
            var root = (IOperation)reference;
            while (root.Parent != null) root = root.Parent;
            IOperation? initializer = null;
            foreach (var node in root.Descendants())
            {
                if (node is IVariableDeclaratorOperation declarator && SymbolEqualityComparer.Default.Equals(declarator.Symbol, reference.Local))
                    initializer = declarator.GetVariableInitializer()?.Value;
                else if (node is IAssignmentOperation assignment && assignment.Target is ILocalReferenceOperation target
                         && SymbolEqualityComparer.Default.Equals(target.Local, reference.Local))
                    return null;
            }
            return initializer;
        }
    }
}
