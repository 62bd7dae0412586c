using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tests.Modeling;

namespace LinearDsl.Runtime.Tests.Medusa;

/// <summary>
/// Heads stored in float16 (MedusaStorage.Float16): half the bytes for the heads, the backbone and the model's type
/// untouched, the heads read back as their float16 rounding, and config.json keeping the choice.
/// </summary>
public sealed class MedusaStorageTests : IDisposable
{
    readonly string _directory = Path.Combine(Path.GetTempPath(), "lineardsl-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    static CausalLanguageModel HalfHeads(ScalarType dtype)
    {
        // "tied" has no lm_head, so medusa.* are the first tensors of the file in key order.
        var config = ModelCatalog.Config("tied") with { MedusaHeads = new MedusaSpec(2, 2) { Storage = MedusaStorage.Float16 } };
        var model = ModelFactory.Create(config, dtype: dtype);
        ModelCatalog.Randomize(model, 5);
        return model;
    }

    [Fact]
    public void Heads_are_written_in_float16_and_the_rest_in_the_model_type()
    {
        using var model = HalfHeads(ScalarType.Float32);
        Checkpoint.Save(model, _directory);

        var entries = SafetensorsHeader.Read(Path.Combine(_directory, Checkpoint.WeightsFileName)).Entries;
        entries.Where(e => e.Name.StartsWith("medusa.", StringComparison.Ordinal)).Should().HaveCount(8).And.OnlyContain(e => e.Dtype == "F16");
        entries.Where(e => !e.Name.StartsWith("medusa.", StringComparison.Ordinal)).Should().NotBeEmpty().And.OnlyContain(e => e.Dtype == "F32");
        entries.OrderBy(e => e.Name, StringComparer.Ordinal).First().Name.Should().StartWith("medusa.", "the load below must not take the model's type from the first tensor");
        File.ReadAllText(Path.Combine(_directory, Checkpoint.ConfigFileName)).Should().Contain("\"storage\": \"float16\"");
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void Loading_keeps_the_model_type_the_backbone_bits_and_the_heads_as_rounded(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var model = HalfHeads(dtype);
        Checkpoint.Save(model, _directory);

        using var loaded = Checkpoint.Load(_directory);
        loaded.ParameterDtype.Should().Be(dtype);
        loaded.Config.Should().Be(model.Config);
        var saved = model.state_dict();
        foreach (var (key, tensor) in loaded.state_dict())
        {
            var expected = MedusaHeads.IsHeadKey(key) ? saved[key].to_type(ScalarType.Float16).to_type(dtype) : saved[key];
            ModelForms.BitIdentical(tensor, expected).Should().BeTrue(key);
        }
    }

    [Fact]
    public void Default_storage_is_not_written_and_round_trips_bit_exactly()
    {
        var spec = new MedusaSpec(2);
        spec.Storage.Should().Be(MedusaStorage.ModelType);
        ModelConfigJson.Serialize(ModelCatalog.Config("tied") with { MedusaHeads = spec }).Should().NotContain("storage");
    }
}
