// Shared source (see MixerOptions.cs).
using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;

#if LINEARDSL_ROSLYN
namespace LinearDsl.Kinds
#else
namespace LinearDsl.Runtime.Mixers
#endif
{
    /// <summary>
    /// The built-in mixer kinds: every concrete <see cref="MixerOptions"/> of this assembly, found by reflection, so
    /// that a new kind is registered by declaring its options type (nothing else lists the kinds).
    /// </summary>
    internal static class MixerKinds
    {
        static readonly Lazy<IReadOnlyList<MixerOptions>> Kinds = new Lazy<IReadOnlyList<MixerOptions>>(() =>
            typeof(MixerOptions).Assembly.GetTypes()
                .Where(t => t.IsSubclassOf(typeof(MixerOptions)) && !t.IsAbstract && !t.IsGenericTypeDefinition && t.GetConstructor(Type.EmptyTypes) != null)
                .Select(t => (MixerOptions)Activator.CreateInstance(t)!)
                .OrderBy(o => o.KindName(), StringComparer.Ordinal)
                .ToList());

        /// <summary>A default instance of every built-in kind, ordered by <see cref="MixerOptions.KindName"/>.</summary>
        public static IReadOnlyList<MixerOptions> BuiltIn => Kinds.Value;

        /// <summary>The kind that an attribute named <paramref name="attributeName"/> (without "Attribute") with these settings declares, or null.</summary>
        public static MixerOptions? Declaring(string attributeName, IDeclaredSettings settings)
            => BuiltIn.FirstOrDefault(k => k.AttributeName() == attributeName && k.Claims(settings));

        /// <summary>Whether some built-in kind is written with the attribute <paramref name="attributeName"/>.</summary>
        public static bool IsMixerAttribute(string attributeName) => BuiltIn.Any(k => k.AttributeName() == attributeName);
    }
}
