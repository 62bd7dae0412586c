using System.Text.Json;

namespace LinearDsl.Runtime.Checkpoints.HuggingFace;

/// <summary>Typed reads of a config.json object with errors that name the file and the key.</summary>
internal sealed class HuggingFaceConfigReader
{
    readonly JsonElement _root;
    readonly string _source;

    public HuggingFaceConfigReader(JsonElement root, string source)
    {
        _source = source;
        if (root.ValueKind != JsonValueKind.Object) throw Error($"it must hold a JSON object, found {root.ValueKind}");
        _root = root;
    }

    public bool IsNullOrAbsent(string key) => !_root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null;

    public int Int(string key, int? fallback = null)
    {
        if (IsNullOrAbsent(key)) return fallback ?? throw Missing(key);
        var value = _root.GetProperty(key);
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int number)) return number;
        throw Error($"'{key}' must be an integer, found {value}");
    }

    public double Double(string key, double fallback)
    {
        if (IsNullOrAbsent(key)) return fallback;
        var value = _root.GetProperty(key);
        if (value.ValueKind == JsonValueKind.Number) return value.GetDouble();
        throw Error($"'{key}' must be a number, found {value}");
    }

    public bool Bool(string key, bool fallback)
    {
        if (IsNullOrAbsent(key)) return fallback;
        var value = _root.GetProperty(key);
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error($"'{key}' must be true or false, found {value}"),
        };
    }

    public string String(string key, string? fallback)
    {
        if (IsNullOrAbsent(key)) return fallback ?? throw Missing(key);
        var value = _root.GetProperty(key);
        if (value.ValueKind == JsonValueKind.String) return value.GetString()!;
        throw Error($"'{key}' must be a string, found {value}");
    }

    public void Require(bool condition, string what)
    {
        if (!condition) throw Error(what);
    }

    public InvalidDataException Error(string what) => new($"Hugging Face config '{_source}' cannot be imported: {what}.");

    InvalidDataException Missing(string key) => Error($"it has no '{key}', which the import needs");
}
