using System.Text.Json.Nodes;
using LinearDsl.Runtime.Checkpoints;

namespace LinearDsl.Cli.Tests;

/// <summary>A copy of a checkpoint directory with one file changed, as a hostile or careless user would make it.</summary>
public static class AlteredCheckpoint
{
    /// <summary>Copies <paramref name="source"/> to a new folder under <paramref name="root"/> and applies <paramref name="edit"/> to its config.json.</summary>
    public static string WithConfig(string source, string root, Action<JsonObject> edit)
    {
        string copy = Copy(source, root);
        string path = Path.Combine(copy, Checkpoint.ConfigFileName);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
        return copy;
    }

    /// <summary>Copies <paramref name="source"/>'s files to a new folder under <paramref name="root"/>.</summary>
    public static string Copy(string source, string root)
    {
        string copy = Path.Combine(root, "altered-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(source)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        return copy;
    }
}
