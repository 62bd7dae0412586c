// Shared source: compiled by the runtime (LinearDsl.Runtime.Mixers) and linked into the generator and the analyzers
// (LINEARDSL_ROSLYN: LinearDsl.Kinds, their own copy), so that all three read, check and judge a mixer the same way.
using System.Collections.Generic;

#if LINEARDSL_ROSLYN
namespace LinearDsl.Kinds
#else
namespace LinearDsl.Runtime.Mixers
#endif
{
    /// <summary>
    /// The settings of one token-mixer kind, and everything the framework knows about that kind in one place: its
    /// defaults (the property initialisers), its name in config.json (<see cref="KindName"/>), its validation
    /// (<see cref="Problems"/>), which settings read later tokens (<see cref="NonCausal"/>), how a declaration
    /// attribute maps to it (<see cref="FromDeclaration"/>) and a one-line description. Serialised polymorphically
    /// in config.json with "kind" as the discriminator.
    /// </summary>
    public abstract partial record MixerOptions
    {
        /// <summary>The kind's name: the "kind" of config.json (snake_case, e.g. "augmented_linear").</summary>
        public abstract string KindName();

        /// <summary>Every setting that cannot work, with the setting it concerns; empty when the options are valid.</summary>
        public abstract IReadOnlyList<MixerProblem> Problems();

        /// <summary>
        /// The settings that make this mixer read later tokens, in declaration order; empty when it is causal. A
        /// setting that cannot take effect (its part is off, a one-tap conv, groups of one token) reads nothing and is
        /// not listed. This one predicate is what the analyzers, the generator and the runtime use.
        /// </summary>
        public abstract IReadOnlyList<NonCausalSetting> NonCausal();

        /// <summary>A short description for generated comments and architecture summaries, e.g. "softmax attention".</summary>
        public abstract string Describe();

        /// <summary>The declaration attribute this kind is written with, without "Attribute" (e.g. "LinearAttention").</summary>
        internal abstract string AttributeName();

        /// <summary>Whether an attribute of <see cref="AttributeName"/> with these settings declares this kind (one attribute may declare several kinds).</summary>
        internal virtual bool Claims(IDeclaredSettings settings) => true;

        /// <summary>
        /// The options an attribute declares: defaults for what it leaves out, and any non-causal setting that cannot
        /// take effect reset to its causal default. Problems of the declaration are added to <paramref name="problems"/>;
        /// the result is null when one of them makes the options unusable.
        /// </summary>
        internal abstract MixerOptions? FromDeclaration(IDeclaredSettings settings, DeclarationContext context, List<MixerProblem> problems);
    }

    /// <summary>A setting that reads later tokens: its name (as in the attribute and the options) and its value as written in C#.</summary>
    public sealed record NonCausalSetting(string Name, string Value)
    {
        /// <summary>"Name = value".</summary>
        public override string ToString() => Name + " = " + Value;
    }

    /// <summary>What kind of problem a <see cref="MixerProblem"/> is (the generator reports each kind with its own ID).</summary>
    public enum MixerProblemKind
    {
        /// <summary>A value out of range.</summary>
        InvalidValue,

        /// <summary>A setting that does not apply to the chosen variant (e.g. FeatureDim with the L2 map).</summary>
        NotApplicable,

        /// <summary>Group settings that do not fit the context length.</summary>
        GroupSettings,
    }

    /// <summary>One problem of a mixer's settings: the setting (null for the whole mixer), what is wrong and what to do.</summary>
    public sealed record MixerProblem(string? Setting, string Message, string Fix, MixerProblemKind Kind = MixerProblemKind.InvalidValue)
    {
        /// <summary>"Message; fix".</summary>
        public override string ToString() => Message + "; " + Fix + ".";
    }

    /// <summary>What a declaration knows besides the attribute: the model's context length and the mixer's head size.</summary>
    internal readonly struct DeclarationContext
    {
        /// <summary>Creates the context.</summary>
        public DeclarationContext(int contextLength, int headDim)
        {
            ContextLength = contextLength;
            HeadDim = headDim;
        }

        /// <summary>The model's training context length (0 when unknown or invalid).</summary>
        public int ContextLength { get; }

        /// <summary>Dim / Heads (0 when unknown or invalid).</summary>
        public int HeadDim { get; }
    }

    /// <summary>The named settings of a declaration attribute, as the generator and the analyzers read them.</summary>
    internal interface IDeclaredSettings
    {
        /// <summary>Whether the attribute names <paramref name="name"/> explicitly.</summary>
        bool IsSet(string name);

        /// <summary>The integer (or enum) setting, or <paramref name="fallback"/> when it is not set.</summary>
        int WholeNumber(string name, int fallback);

        /// <summary>The boolean setting, or <paramref name="fallback"/> when it is not set.</summary>
        bool Flag(string name, bool fallback);

        /// <summary>The numeric setting, or <paramref name="fallback"/> when it is not set.</summary>
        double RealNumber(string name, double fallback);
    }
}
