using LinearDsl.Generators.Tests.Encoders;

namespace LinearDsl.Generators.Tests;

/// <summary>
/// The state-dict keys and shapes of every generated test model equal the committed baselines
/// (Baselines/StateDict/*.txt): checkpoints written by one version load in the next. After an intended change,
/// regenerate them with LINEARDSL_UPDATE_BASELINES=1 and review the diff.
/// </summary>
public sealed class StateDictBaselineTests
{
    [Theory]
    [MemberData(nameof(GeneratedModelTests.Declared), MemberType = typeof(GeneratedModelTests))]
    public void Keys_and_shapes_match_the_committed_baseline(string name)
    {
        using var model = GeneratedModelTests.CreateDeclared(name);
        AssertMatchesBaseline(name, model);
    }

    /// <summary>The encoders and encoder-decoders of EncoderModels.cs.</summary>
    public static TheoryData<string> Encoders => new()
    {
        "TinyBertEncoder", "TinyLinearEncoder", "TinyT5", "TinyLinearT5", "TinyBertLayout", "TinyReluT5", "TinyGeGluT5",
    };

    [Theory]
    [MemberData(nameof(Encoders))]
    public void Encoder_keys_and_shapes_match_the_committed_baseline(string name)
    {
        using torch.nn.Module model = name switch
        {
            "TinyBertEncoder" => TinyBertEncoder.Create(seed: 1),
            "TinyLinearEncoder" => TinyLinearEncoder.Create(seed: 1),
            "TinyT5" => TinyT5.Create(seed: 1),
            "TinyLinearT5" => TinyLinearT5.Create(seed: 1),
            "TinyBertLayout" => TinyBertLayout.Create(seed: 1),
            "TinyReluT5" => TinyReluT5.Create(seed: 1),
            "TinyGeGluT5" => TinyGeGluT5.Create(seed: 1),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not a model of EncoderModels.cs"),
        };
        AssertMatchesBaseline(name, model);
    }

    static void AssertMatchesBaseline(string name, torch.nn.Module model)
    {
        var lines = model.state_dict().Select(p => $"{p.Key} [{string.Join(", ", p.Value.shape)}]").ToList();
        lines.Should().OnlyHaveUniqueItems();

        var path = Path.Combine(GeneratorBaselineTests.SourceDirectory(), "Baselines", "StateDict", name + ".txt");
        var text = string.Join("\n", lines) + "\n";
        if (Environment.GetEnvironmentVariable("LINEARDSL_UPDATE_BASELINES") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }
        File.Exists(path).Should().BeTrue($"a baseline exists for {name} (set LINEARDSL_UPDATE_BASELINES=1 to write it)");
        text.Should().Be(File.ReadAllText(path), $"the state dict of {name} must match its baseline");
    }
}
