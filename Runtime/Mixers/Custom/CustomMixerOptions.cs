using System.Text.Json;
using System.Text.Json.Serialization;
using LinearDsl.Runtime.Positional;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// A user-defined mixer (a <see cref="CustomMixer{TState}"/>, declared with <c>[Mixer&lt;TMixer&gt;]</c>): its type and
/// the settings its constructor takes. Kind "custom"; config.json writes the settings beside the type, e.g.
/// <c>{ "kind": "custom", "type": "Demo.CosFormerMixer, Demo", "max_length": 1024 }</c>. Loading resolves the type by
/// that name, so the assembly that defines it must be loaded or loadable by name. Being a concrete options type of the
/// runtime, it is among MixerKinds.BuiltIn, which registers "custom" as a kind of config.json.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]   // the extension data takes every other key
public sealed partial record CustomMixerOptions : MixerOptions
{
    /// <summary>The mixer's type as "Namespace.Type, Assembly".</summary>
    public string Type { get; init; } = string.Empty;

    /// <summary>The constructor's settings by their snake_case names (maxLength is "max_length").</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement> Settings { get; init; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The options of <typeparamref name="TMixer"/> with <paramref name="settings"/> keyed by its constructor's
    /// parameter names (as in <c>[Mixer&lt;TMixer&gt;(Settings = ...)]</c>).
    /// </summary>
    public static CustomMixerOptions For<TMixer>(IReadOnlyDictionary<string, object?>? settings = null) where TMixer : TokenMixer
    {
        var json = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var (name, value) in settings ?? new Dictionary<string, object?>())
            json[CustomMixerConstructor.SettingName(name)] = JsonSerializer.SerializeToElement(value, value?.GetType() ?? typeof(object));
        return new CustomMixerOptions { Type = TypeName(typeof(TMixer)), Settings = json };
    }

    /// <summary>"Namespace.Type, Assembly": what config.json records for <paramref name="mixer"/>.</summary>
    public static string TypeName(Type mixer)
    {
        ArgumentNullException.ThrowIfNull(mixer);
        return $"{mixer.FullName}, {mixer.Assembly.GetName().Name}";
    }

    /// <inheritdoc />
    public override string KindName() => "custom";

    /// <inheritdoc />
    internal override string AttributeName() => "Mixer";

    /// <inheritdoc />
    public override string Describe() => $"custom mixer {ShortName}";

    /// <summary>Causality of a user's mixer is checked by the analyzers (its parallel form) and the LinearDsl.Testing kit, not declared here.</summary>
    public override IReadOnlyList<NonCausalSetting> NonCausal() => [];

    /// <inheritdoc />
    public override IReadOnlyList<MixerProblem> Problems()
    {
        var (constructor, problem) = Resolve();
        return problem is not null ? [problem] : constructor!.Problems(Settings).ToList();
    }

    /// <summary>Never a built-in attribute's kind: [Mixer&lt;TMixer&gt;] is read by the generator itself.</summary>
    internal override bool Claims(IDeclaredSettings settings) => false;

    /// <inheritdoc />
    internal override MixerOptions? FromDeclaration(IDeclaredSettings settings, DeclarationContext context, List<MixerProblem> problems)
        => throw new NotSupportedException("A custom mixer is declared with [Mixer<TMixer>], which the generator reads itself.");

    /// <inheritdoc />
    internal override TokenMixer CreateMixer(MixerGeometry geometry, RotaryEmbedding? rotary, int contextLength)
    {
        var (constructor, problem) = Resolve();
        if (problem is not null) throw new ArgumentException(problem.ToString());
        return constructor!.Create(geometry, rotary, Settings);
    }

    /// <summary>Value equality of the settings (a dictionary compares by reference): by name, whatever their order.</summary>
    public bool Equals(CustomMixerOptions? other)
        => other is not null && Type == other.Type && Canonical(Settings) == Canonical(other.Settings);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Type, Canonical(Settings));

    string ShortName => Type.Split(',')[0].Trim();

    static string Canonical(Dictionary<string, JsonElement> settings)
        => string.Join(",", settings.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value.GetRawText()));

    (CustomMixerConstructor? Constructor, MixerProblem? Problem) Resolve()
    {
        if (string.IsNullOrWhiteSpace(Type))
            return (null, new MixerProblem("Type", "the custom mixer has no type", "give its type as \"type\": \"Namespace.Type, Assembly\""));
        foreach (var reserved in new[] { "kind", "type" })
        {
            if (Settings.ContainsKey(reserved))
                return (null, new MixerProblem("Type", $"the custom mixer has a setting named '{reserved}'", "rename the constructor parameter: 'kind' and 'type' name the mixer itself"));
        }
        Type? type;
        try
        {
            type = System.Type.GetType(Type, throwOnError: false);
        }
        catch (Exception error) when (error is ArgumentException or IOException or BadImageFormatException)
        {
            type = null;
        }
        if (type is null)
            return (null, new MixerProblem("Type", $"the custom mixer type '{Type}' cannot be found", "load or reference the assembly that defines it (the type is named \"Namespace.Type, Assembly\")"));
        if (!IsCustomMixer(type))
            return (null, new MixerProblem("Type", $"'{type.FullName}' is not a CustomMixer<TState>", "derive the mixer from LinearDsl.Runtime.Mixers.CustomMixer<TState>"));
        if (type.IsAbstract || type.ContainsGenericParameters)
            return (null, new MixerProblem("Type", $"'{type.FullName}' is {(type.IsAbstract ? "abstract" : "an open generic type")}", "name a concrete mixer class"));
        var constructor = CustomMixerConstructor.Find(type, out var missing);
        return (constructor, missing);
    }

    static bool IsCustomMixer(Type type)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType)
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(CustomMixer<>)) return true;
        return false;
    }
}
