using System.Reflection;
using System.Text.Json;
using LinearDsl.Runtime.Positional;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// How a user-defined mixer is built from config.json: its one public constructor whose first parameter is the
/// <see cref="MixerGeometry"/>; a <see cref="RotaryEmbedding"/> parameter gets the model's rotary embedding, and every
/// other parameter is a setting read from the options under its snake_case name (its default when absent).
/// </summary>
internal sealed class CustomMixerConstructor
{
    static readonly Type[] SettingTypes = [typeof(int), typeof(long), typeof(float), typeof(double), typeof(bool), typeof(string)];

    readonly ConstructorInfo _constructor;

    CustomMixerConstructor(ConstructorInfo constructor) => _constructor = constructor;

    /// <summary>The config.json name of a constructor parameter (maxLength -> max_length).</summary>
    public static string SettingName(string parameter) => JsonNamingPolicy.SnakeCaseLower.ConvertName(parameter);

    /// <summary>The constructor of <paramref name="type"/>, or null with the reason in <paramref name="problem"/>.</summary>
    public static CustomMixerConstructor? Find(Type type, out MixerProblem? problem)
    {
        var candidates = type.GetConstructors(BindingFlags.Public | BindingFlags.Instance).Where(Fits).ToList();
        problem = candidates.Count switch
        {
            0 => new MixerProblem("Type", $"'{type.FullName}' has no public constructor (MixerGeometry geometry, then settings of type int, long, float, double, bool or string, and optionally a RotaryEmbedding)", "add one"),
            > 1 => new MixerProblem("Type", $"'{type.FullName}' has {candidates.Count} public constructors that start with a MixerGeometry", "keep one, so that config.json builds the mixer one way"),
            _ => null,
        };
        return problem is null ? new CustomMixerConstructor(candidates[0]) : null;
    }

    static bool Fits(ConstructorInfo constructor)
    {
        var parameters = constructor.GetParameters();
        return parameters.Length > 0 && parameters[0].ParameterType == typeof(MixerGeometry)
            && parameters.Skip(1).Count(p => p.ParameterType == typeof(RotaryEmbedding)) <= 1
            && parameters.Skip(1).All(p => p.ParameterType == typeof(RotaryEmbedding) || SettingTypes.Contains(p.ParameterType));
    }

    IEnumerable<ParameterInfo> Settings => _constructor.GetParameters().Skip(1).Where(p => p.ParameterType != typeof(RotaryEmbedding));

    /// <summary>Every setting of <paramref name="settings"/> that the constructor cannot take (unknown, missing, or of the wrong type).</summary>
    public IEnumerable<MixerProblem> Problems(Dictionary<string, JsonElement> settings)
    {
        var known = Settings.ToDictionary(p => SettingName(p.Name!), StringComparer.Ordinal);
        foreach (var (name, _) in settings)
        {
            if (!known.ContainsKey(name))
                yield return new MixerProblem(name, $"setting '{name}' is not a parameter of {_constructor.DeclaringType!.Name}'s constructor (it takes {Describe(known.Keys)})", "remove it");
        }
        foreach (var (name, parameter) in known)
        {
            if (!settings.TryGetValue(name, out var node))
            {
                if (!parameter.HasDefaultValue) yield return new MixerProblem(name, $"setting '{name}' is missing and {_constructor.DeclaringType!.Name}'s parameter '{parameter.Name}' has no default", "give it");
            }
            else if (!TryRead(node, parameter.ParameterType, out _))
            {
                yield return new MixerProblem(name, $"setting '{name}' is {node.GetRawText()}, not of type {parameter.ParameterType.Name}", $"give a value of type {parameter.ParameterType.Name}");
            }
        }
    }

    /// <summary>Builds the mixer (the settings have been checked by <see cref="Problems"/>).</summary>
    public TokenMixer Create(MixerGeometry geometry, RotaryEmbedding? rotary, Dictionary<string, JsonElement> settings)
    {
        var parameters = _constructor.GetParameters();
        var arguments = new object?[parameters.Length];
        arguments[0] = geometry;
        for (int i = 1; i < parameters.Length; i++)
        {
            var p = parameters[i];
            if (p.ParameterType == typeof(RotaryEmbedding)) arguments[i] = rotary;
            else if (settings.TryGetValue(SettingName(p.Name!), out var node) && TryRead(node, p.ParameterType, out var value)) arguments[i] = value;
            else arguments[i] = p.DefaultValue;
        }
        try
        {
            return (TokenMixer)_constructor.Invoke(arguments);
        }
        catch (TargetInvocationException error) when (error.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error.InnerException);
            throw;
        }
    }

    /// <summary>A JSON value as a setting of type <paramref name="type"/> (null only for a string).</summary>
    static bool TryRead(JsonElement node, Type type, out object? value)
    {
        value = null;
        if (node.ValueKind == JsonValueKind.Null) return type == typeof(string);
        try
        {
            value = node.Deserialize(type);
            return value is not null;
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException or FormatException or NotSupportedException)
        {
            return false;
        }
    }

    static string Describe(IEnumerable<string> names) => names.Any() ? string.Join(", ", names.Select(n => $"'{n}'")) : "no settings";
}
