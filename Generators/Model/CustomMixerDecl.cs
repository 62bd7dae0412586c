using System;
using System.Collections.Generic;
using System.Linq;
using LinearDsl.Kinds;

namespace LinearDsl.Generators.Model
{
    /// <summary>
    /// A user-defined mixer declared with <c>[Mixer&lt;TMixer&gt;]</c>: its type (fully qualified C#) and every constructor
    /// setting as a C# literal, defaults included, in constructor order. Compared by value. It has no parameterless
    /// constructor, so the shared kind registry (MixerKinds.BuiltIn) never lists it as a built-in kind.
    /// </summary>
    internal sealed record CustomMixerDecl(string TypeName, string DisplayName, EquatableArray<CustomMixerSetting> Settings) : MixerOptions
    {
        public override string KindName() => "custom";

        public override IReadOnlyList<MixerProblem> Problems() => Array.Empty<MixerProblem>();

        /// <summary>Judged by the [ForwardPass] analyzers on the mixer's parallel form and by the conformance kit, not here.</summary>
        public override IReadOnlyList<NonCausalSetting> NonCausal() => Array.Empty<NonCausalSetting>();

        public override string Describe() => "custom mixer " + DisplayName;

        internal override string AttributeName() => "Mixer";

        internal override bool Claims(IDeclaredSettings settings) => false;

        internal override MixerOptions? FromDeclaration(IDeclaredSettings settings, DeclarationContext context, List<MixerProblem> problems) => null;

        /// <summary>The runtime options: CustomMixerOptions.For&lt;TMixer&gt;(settings by constructor parameter name).</summary>
        public string Initializer()
        {
            string settings = Settings.Count == 0 ? "" :
                "new global::System.Collections.Generic.Dictionary<string, object?> { " + string.Join(", ", Settings.Select(s => $"[\"{s.Name}\"] = {s.Literal}")) + " }";
            return $"global::LinearDsl.Runtime.Mixers.CustomMixerOptions.For<{TypeName}>({settings})";
        }
    }

    /// <summary>A constructor setting of a custom mixer: the parameter's name and its value as C#.</summary>
    internal sealed record CustomMixerSetting(string Name, string Literal);
}
