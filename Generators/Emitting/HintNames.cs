using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using LinearDsl.Generators.Model;

namespace LinearDsl.Generators.Emitting
{
    /// <summary>A model's generated source, named by its full name; only values, so that the emit step caches.</summary>
    internal sealed record GeneratedModel(string FullName, string HintName, string Source);

    /// <summary>
    /// Hint names are compared without case, so <c>Model</c> and <c>model</c> in one namespace would collide. Such
    /// models get a suffix from a hash of their exact full name (stable: it does not depend on declaration order);
    /// every other model keeps Namespace.Class.g.cs. A model reached twice is added once.
    /// </summary>
    internal static class HintNames
    {
        public static IEnumerable<(string HintName, string Source)> Unique(ImmutableArray<GeneratedModel> models)
        {
            foreach (var group in models.GroupBy(m => m.HintName, System.StringComparer.OrdinalIgnoreCase))
            {
                var distinct = group.GroupBy(m => m.FullName, System.StringComparer.Ordinal).Select(g => g.First()).ToList();
                if (distinct.Count == 1)
                {
                    yield return (distinct[0].HintName, distinct[0].Source);
                    continue;
                }
                foreach (var model in distinct.OrderBy(m => m.FullName, System.StringComparer.Ordinal))
                    yield return (model.FullName + "." + Fnv1a(model.FullName).ToString("x8", CultureInfo.InvariantCulture) + ".g.cs", model.Source);
            }
        }

        static uint Fnv1a(string text)
        {
            uint hash = 2166136261;
            foreach (char c in text) hash = (hash ^ c) * 16777619;
            return hash;
        }
    }
}
