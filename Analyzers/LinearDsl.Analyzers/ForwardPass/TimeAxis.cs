using Microsoft.CodeAnalysis;

namespace LinearDsl.Analyzers.ForwardPass
{
    /// <summary>
    /// The time dimension declared by <c>[ForwardPass(TimeDim = ..., Rank = ...)]</c> (defaults 1 and 3: [batch, time,
    /// channels]). A constant dimension d is time when d, or d + Rank for a negative d, equals TimeDim read the same way.
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

        /// <summary>The axis of a method marked with <paramref name="attribute"/>, or null when it has no such mark.</summary>
        public static TimeAxis? Of(ISymbol method, INamedTypeSymbol attribute, out AttributeData? data)
        {
            data = null;
            foreach (var candidate in method.GetAttributes())
            {
                if (!SymbolEqualityComparer.Default.Equals(candidate.AttributeClass, attribute)) continue;
                data = candidate;
                int timeDim = 1, rank = 3;
                foreach (var pair in candidate.NamedArguments)
                {
                    if (pair.Key == "TimeDim" && pair.Value.Value is int t) timeDim = t;
                    if (pair.Key == "Rank" && pair.Value.Value is int r) rank = r;
                }
                return new TimeAxis(timeDim, rank);
            }
            return null;
        }
    }
}
