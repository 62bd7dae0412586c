using System.Text.Json.Nodes;

namespace LinearDsl.Python.Tests;

/// <summary>lineardsl_torch names every kind it reads when a config has another, and refuses gated kinds in format 1.</summary>
public sealed class MixerKindErrorTests : IDisposable
{
    readonly string _folder = Path.Combine(Path.GetTempPath(), "lineardsl-kind-" + Guid.NewGuid().ToString("N"));

    public MixerKindErrorTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    string Config(Action<JsonObject> edit)
    {
        var json = JsonNode.Parse("""
            {"format_version": 2, "vocab_size": 64, "width": 16, "layers": 1, "context_length": 32, "mlp_hidden": 24,
             "mixer": {"heads": 2, "kv_heads": 2, "options": {"kind": "retnet"}}}
            """)!.AsObject();
        edit(json["mixer"]!.AsObject());
        string path = Path.Combine(_folder, "config.json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    [Fact]
    public void An_unknown_kind_is_refused_with_the_list_of_kinds_including_the_gated_ones()
    {
        string path = Config(mixer => mixer["options"]!["kind"] = "hyena");

        var init = () => PythonTorch.Run("init", "--config", path, "--out", Path.Combine(_folder, "out"));

        init.Should().Throw<InvalidOperationException>()
            .WithMessage("*unknown mixer kind 'hyena'; LinearDsl knows augmented_linear, linear, softmax, retnet, gla, mamba2, deltanet*");
    }

    [Fact]
    public void A_gated_kind_in_format_1_is_refused()
    {
        string path = Config(mixer =>
        {
            mixer.Remove("options");
            mixer["kind"] = "gla";
        });

        var init = () => PythonTorch.Run("init", "--config", path, "--out", Path.Combine(_folder, "out"));

        init.Should().Throw<InvalidOperationException>().WithMessage("*mixer kind 'gla' needs format_version 2*");
    }
}
