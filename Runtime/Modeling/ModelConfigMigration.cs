using System.Text.Json.Nodes;

namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// Reads config.json files of format 1: there a mixer is <c>{"kind", "heads", "kv_heads", "augmented" | "linear" |
/// "bidirectional"}</c>; format 2 moves the kind and its settings into one polymorphic "options" object.
/// </summary>
static class ModelConfigMigration
{
    /// <summary>Rewrites a format 1 document into format 2 in place; the mixers' own keys are checked by the reader afterwards.</summary>
    public static void FromFormat1(JsonObject root, string source)
    {
        root["format_version"] = 2;
        if (root["mixer"] is JsonObject mixer) Mixer(mixer, source, "mixer");
        if (root["layer_mixers"] is JsonObject overrides)
        {
            foreach (var (layer, value) in overrides)
                if (value is JsonObject spec) Mixer(spec, source, $"layer_mixers[{layer}]");
        }
    }

    static void Mixer(JsonObject mixer, string source, string where)
    {
        if (mixer["kind"] is not JsonValue kindValue || !kindValue.TryGetValue(out string? kind))
            throw new InvalidDataException($"{source}: {where} has no \"kind\" (format 1 names the mixer kind: augmented_linear, linear or softmax).");
        mixer.Remove("kind");
        string? key = kind switch { "augmented_linear" => "augmented", "linear" => "linear", "softmax" => null,
            _ => throw new InvalidDataException($"{source}: {where}.kind \"{kind}\" is not a mixer kind of format 1; use augmented_linear, linear or softmax.") };
        var options = new JsonObject();
        if (key is not null)
        {
            if (mixer[key] is not JsonObject settings)
                throw new InvalidDataException($"{source}: {where} has kind {kind} but no \"{key}\" options object.");
            mixer.Remove(key);
            foreach (var (name, value) in settings.ToList())
            {
                settings.Remove(name);
                options[name] = value;
            }
        }
        foreach (var other in new[] { "augmented", "linear" })
        {
            if (mixer.ContainsKey(other))
                throw new InvalidDataException($"{source}: {where} has kind {kind} but \"{other}\" options; remove them.");
        }
        if (mixer.ContainsKey("bidirectional"))
        {
            if (kind != "softmax") throw new InvalidDataException($"{source}: {where}.bidirectional applies to softmax mixers only; remove it.");
            options["bidirectional"] = mixer["bidirectional"]?.DeepClone();
            mixer.Remove("bidirectional");
        }
        // The discriminator first: System.Text.Json reads it from the start of the object.
        var typed = new JsonObject { ["kind"] = kind };
        foreach (var (name, value) in options.ToList())
        {
            options.Remove(name);
            typed[name] = value;
        }
        mixer["options"] = typed;
    }
}
