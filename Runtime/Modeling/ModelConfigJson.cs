using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using LinearDsl.Runtime.Mixers;

namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// config.json for a <see cref="ModelConfig"/>: snake_case keys, enum names as strings, every setting written
/// (defaults included, so a file says everything about its model), versioned by format_version. Reading rejects
/// unknown keys, missing required keys, newer formats and invalid configs, with the file named in the error.
/// </summary>
public static class ModelConfigJson
{
    static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { MixerKindsAsDerivedTypes } },
    };

    /// <summary>A mixer's options are written with their "kind"; every built-in kind is known by its options type.</summary>
    static void MixerKindsAsDerivedTypes(JsonTypeInfo info)
    {
        if (info.Type != typeof(MixerOptions)) return;
        info.PolymorphismOptions = new JsonPolymorphismOptions
        {
            TypeDiscriminatorPropertyName = "kind",
            UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization,
        };
        foreach (var kind in MixerKinds.BuiltIn)
            info.PolymorphismOptions.DerivedTypes.Add(new JsonDerivedType(kind.GetType(), kind.KindName()));
    }

    /// <summary>The JSON text of a valid config (ends with a newline).</summary>
    public static string Serialize(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        return JsonSerializer.Serialize(config, Options) + "\n";
    }

    /// <summary>Reads and validates a config; <paramref name="source"/> names the text in error messages.</summary>
    /// <exception cref="InvalidDataException">The text is not a valid config of a supported format.</exception>
    public static ModelConfig Deserialize(string json, string source = "config.json")
    {
        ArgumentNullException.ThrowIfNull(json);
        if (CheckFormatVersion(json, source) == 1) json = Migrate(json, source);
        ModelConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<ModelConfig>(json, Options);
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"{source} is not a valid model config: {error.Message}", error);
        }
        catch (NotSupportedException error)
        {
            // System.Text.Json reports a mixer's options without their "kind" this way.
            throw new InvalidDataException($"{source} is not a valid model config: {error.Message}", error);
        }
        if (config is null) throw new InvalidDataException($"{source} holds null instead of a model config object.");
        var problems = config.Problems();
        if (problems.Count > 0)
            throw new InvalidDataException($"{source} describes an invalid model:" + string.Concat(problems.Select(p => Environment.NewLine + "  - " + p)), new InvalidModelConfigException(problems));
        return config;
    }

    /// <summary>Reads and validates the config file at <paramref name="path"/>.</summary>
    public static ModelConfig Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Model config '{path}' does not exist.", path);
        return Deserialize(File.ReadAllText(path), $"Model config '{path}'");
    }

    static string Migrate(string json, string source)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        ModelConfigMigration.FromFormat1(root, source);
        return root.ToJsonString();
    }

    /// <summary>Checks format_version first, so that a newer file gets a message about versions rather than about keys; returns it.</summary>
    static int CheckFormatVersion(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"{source} is not valid JSON: {error.Message}", error);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{source} must hold a JSON object, found {root.ValueKind}.");
            if (!root.TryGetProperty("format_version", out var version) || version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out int number))
                throw new InvalidDataException($"{source} has no integer format_version; a LinearDsl model config starts with \"format_version\": {ModelConfig.CurrentFormatVersion}.");
            if (number > ModelConfig.CurrentFormatVersion)
                throw new InvalidDataException($"{source} has format_version {number}, written by a newer LinearDsl; this build reads format_version up to {ModelConfig.CurrentFormatVersion}. Update LinearDsl to load it.");
            if (number < 1)
                throw new InvalidDataException($"{source} has format_version {number}; valid versions start at 1.");
            return number;
        }
    }
}
