using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tests.Modeling;

namespace LinearDsl.Runtime.Tests.Medusa;

/// <summary>Heads in the checkpoint: medusa.{i}.{j}.* keys, medusa_heads in config.json, bit-exact round trips.</summary>
public sealed class MedusaCheckpointTests : IDisposable
{
    readonly string _directory = Path.Combine(Path.GetTempPath(), "lineardsl-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void Heads_round_trip_bit_exactly_under_medusa_keys()
    {
        using var scope = NewDisposeScope();
        using var model = MedusaModels.Create("tied", count: 2, layers: 2);
        Checkpoint.Save(model, _directory);
        var keys = SafetensorsHeader.Read(Path.Combine(_directory, Checkpoint.WeightsFileName)).Entries.Select(e => e.Name).Where(k => k.StartsWith("medusa.", StringComparison.Ordinal));
        keys.Should().BeEquivalentTo("medusa.0.0.weight", "medusa.0.0.bias", "medusa.0.1.weight", "medusa.0.1.bias",
            "medusa.1.0.weight", "medusa.1.0.bias", "medusa.1.1.weight", "medusa.1.1.bias");
        File.ReadAllText(Path.Combine(_directory, Checkpoint.ConfigFileName)).Should().Contain("\"medusa_heads\": {").And.Contain("\"count\": 2").And.Contain("\"layers\": 2");

        using var loaded = Checkpoint.Load(_directory);
        loaded.Config.Should().Be(model.Config);
        loaded.Medusa!.Spec.Should().Be(new MedusaSpec(2, 2));
        var hidden = randn(2, model.Width, ScalarType.Float64);
        ModelForms.BitIdentical(loaded.MedusaLogits(hidden), model.MedusaLogits(hidden)).Should().BeTrue();
    }

    [Fact]
    public void A_model_without_heads_writes_no_medusa_key()
    {
        using var model = ModelCatalog.Create("tied");
        Checkpoint.Save(model, _directory);
        File.ReadAllText(Path.Combine(_directory, Checkpoint.ConfigFileName)).Should().NotContain("medusa");
        using var loaded = Checkpoint.Load(_directory);
        loaded.Medusa.Should().BeNull();
    }

    [Fact]
    public void Bad_head_settings_in_config_json_are_named()
    {
        string json = ModelConfigJson.Serialize(MedusaModels.Config("tied")).Replace("\"count\": 3", "\"count\": 40", StringComparison.Ordinal);
        var act = () => ModelConfigJson.Deserialize(json);
        act.Should().Throw<InvalidDataException>().WithMessage("*medusa_heads.count must be between 1 and 16, got 40*");
    }

    [Fact]
    public void Decode_programs_ignore_the_heads()
    {
        var program = Fused.DecodePrograms.For(ModelCatalog.Config("tied"));
        program.Fits(MedusaModels.Config("tied")).Should().BeTrue("heads run after the program on its hidden state");
        MedusaModels.Config("tied").Should().NotBe(ModelCatalog.Config("tied"));
    }
}
