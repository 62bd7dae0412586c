using Microsoft.CodeAnalysis;

namespace LinearDsl.Analyzers.ForwardPass
{
    /// <summary>
    /// The time dimension declared by <c>[ForwardPass(TimeDim = ..., Rank = ...)]</c> (defaults 1 and 3: [batch, time,
    /// channels]). A constant dimension d is time when d, or d + Rank for a negative d, equals TimeDim read the same way.
    /// The parallel form of a user-defined mixer (an override of ParallelCore in a CustomMixer&lt;TState&gt;) is a forward
    /// pass without the attribute, on [batch, heads, time, head_dim]: TimeDim 2, Rank 4. A method marked
    /// <c>[ForwardPass(Causal = false)]</c> (an encoder layer, or a custom mixer's bidirectional ParallelCore) has no axis:
    /// nothing in it is checked.
    /// </summary>
    internal sealed class TimeAxis
    {
        TimeAxis(int timeDim, int rank)
        {
            TimeDim = timeDim;
            Rank = rank;
        }

        public int TimeDim { get; }

        public int Rank { get; }

        /// <summary>TimeDim counted from the front (0 .. Rank-1 when valid).</summary>
        public int Index => TimeDim < 0 ? TimeDim + Rank : TimeDim;

        public bool IsValid => Rank >= 1 && Index >= 0 && Index < Rank;

        public bool IsTime(long dim) => (dim < 0 ? dim + Rank : dim) == Index;

        /// <summary>
        /// The axis of a method marked with <paramref name="attribute"/> (null when the DSL is not referenced), or of a
        /// custom mixer's parallel form; null for any other method and for one marked Causal = false. The attribute, when
        /// present, decides.
        /// </summary>
        public static TimeAxis? Of(ISymbol method, INamedTypeSymbol? attribute, out AttributeData? data)
        {
            data = null;
            if (attribute != null && Marked(method, attribute, out data, out bool causal)) return causal ? Axis(data!) : null;
            return IsCustomMixerParallelForm(method) ? new TimeAxis(2, 4) : null;
        }

        /// <summary>An override of TokenMixer.ParallelCore in a class derived from LinearDsl.Runtime.Mixers.CustomMixer&lt;TState&gt;.</summary>
        static bool IsCustomMixerParallelForm(ISymbol symbol)
        {
            if (!(symbol is IMethodSymbol { Name: "ParallelCore", IsOverride: true } method)) return false;
            for (var type = method.ContainingType?.BaseType; type != null; type = type.BaseType)
            {
                if (type.OriginalDefinition.MetadataName == "CustomMixer`1" && type.ContainingNamespace?.ToDisplayString() == "LinearDsl.Runtime.Mixers")
                    return true;
            }
            return false;
        }

        /// <summary>
        /// Whether the method carries the attribute, and whether it is causal: <c>[ForwardPass(Causal = false)]</c> marks
        /// an encoder layer, which reads the whole sequence by design, so no check applies to it (not even LDSL2100).
        /// </summary>
        static bool Marked(ISymbol method, INamedTypeSymbol attribute, out AttributeData? data, out bool causal)
        {
            data = null;
            causal = true;
            foreach (var candidate in method.GetAttributes())
            {
                if (!SymbolEqualityComparer.Default.Equals(candidate.AttributeClass, attribute)) continue;
                data = candidate;
                foreach (var pair in candidate.NamedArguments)
                    if (pair.Key == "Causal" && pair.Value.Value is bool b) causal = b;
                return true;
            }
            return false;
        }

        static TimeAxis Axis(AttributeData data)
        {
            int timeDim = 1, rank = 3;
            foreach (var pair in data.NamedArguments)
            {
                if (pair.Key == "TimeDim" && pair.Value.Value is int t) timeDim = t;
                if (pair.Key == "Rank" && pair.Value.Value is int r) rank = r;
            }
            return new TimeAxis(timeDim, rank);
        }
    }
}
