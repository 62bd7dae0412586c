using System.Text.Json;
using System.Text.Json.Serialization;

namespace LinearDsl.Runtime.Tests;

/// <summary>One case of TestData/aug_linear_golden.json (independent float64 reference outputs, docs/method.md, "Reference outputs").</summary>
public sealed record GoldenCase
{
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("batch")] public int Batch { get; init; }
    [JsonPropertyName("heads")] public int Heads { get; init; }
    [JsonPropertyName("tokens")] public int Tokens { get; init; }
    [JsonPropertyName("head_dim")] public int HeadDim { get; init; }
    [JsonPropertyName("group_size")] public int GroupSize { get; init; }
    [JsonPropertyName("conv_taps")] public int ConvTaps { get; init; }
    [JsonPropertyName("alpha")] public double Alpha { get; init; }
    [JsonPropertyName("local")] public bool Local { get; init; }
    [JsonPropertyName("glob")] public bool Global { get; init; }
    [JsonPropertyName("conv")] public bool Conv { get; init; }
    [JsonPropertyName("q")] public required double[] Q { get; init; }
    [JsonPropertyName("k")] public required double[] K { get; init; }
    [JsonPropertyName("v")] public required double[] V { get; init; }
    [JsonPropertyName("conv_weight")] public required double[] ConvWeight { get; init; }
    [JsonPropertyName("expected")] public required double[] Expected { get; init; }

    public override string ToString() => Name;

    public static IReadOnlyList<GoldenCase> All { get; } = Load();

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var c in All) data.Add(c.Name);
        return data;
    }

    public static GoldenCase Named(string name) => All.Single(c => c.Name == name);

    static IReadOnlyList<GoldenCase> Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "TestData", "aug_linear_golden.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("cases").Deserialize<List<GoldenCase>>()!;
    }
}
