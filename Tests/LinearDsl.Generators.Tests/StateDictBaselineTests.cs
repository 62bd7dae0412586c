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
