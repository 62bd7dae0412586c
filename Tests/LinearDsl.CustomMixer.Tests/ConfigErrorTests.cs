using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.CustomMixer.Tests;

/// <summary>A config.json whose custom mixer cannot be built is refused at load, with one line that says why.</summary>
public sealed class ConfigErrorTests : IDisposable
{
    readonly string _directory = Path.Combine(Path.GetTempPath(), "lineardsl-custom-errors-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData("\"type\": \"LinearDsl.Samples.CosFormer.CosFormerMixer, LinearDsl.Samples.CosFormerMixer\"", "\"type\": \"Nowhere.Mixer, Nowhere\"", "the custom mixer type 'Nowhere.Mixer, Nowhere' cannot be found; load or reference the assembly that defines it")]
    [InlineData("\"type\": \"LinearDsl.Samples.CosFormer.CosFormerMixer, LinearDsl.Samples.CosFormerMixer\"", "\"type\": \"LinearDsl.Runtime.Mixers.SoftmaxAttention, LinearDsl.Runtime\"", "'LinearDsl.Runtime.Mixers.SoftmaxAttention' is not a CustomMixer<TState>; derive the mixer from LinearDsl.Runtime.Mixers.CustomMixer<TState>")]
    [InlineData("\"max_length\": 128", "\"max_length\": 128,\n      \"temperature\": 2", "setting 'temperature' is not a parameter of CosFormerMixer's constructor (it takes 'max_length'); remove it")]
    [InlineData("\"max_length\": 128", "\"max_length\": \"long\"", "setting 'max_length' is \"long\", not of type Int32; give a value of type Int32")]
    public void Loading_a_config_whose_custom_mixer_cannot_be_built_fails_with_one_clear_line(string original, string replacement, string expected)
    {
        using (var model = CosFormerLm.Create()) CosFormerLm.Save(model, _directory);
        string path = Path.Combine(_directory, Checkpoint.ConfigFileName);
        string json = File.ReadAllText(path);
        json.Should().Contain(original);
        File.WriteAllText(path, json.Replace(original, replacement));
        var error = FluentActions.Invoking(() => Checkpoint.Load(_directory)).Should().Throw<InvalidDataException>().Which;
        error.Message.Should().Contain(expected);
        error.Message.Split('\n').Should().HaveCount(2, "the file's name, then one line for the problem: " + error.Message);
    }

    [Fact]
    public void Custom_mixer_options_compare_by_value_whatever_the_order_of_their_settings()
    {
        var a = ModelConfigJson.Deserialize(ModelConfigJson.Serialize(PrefixMeanLm.Config));
        a.Should().Be(PrefixMeanLm.Config);
        a.GetHashCode().Should().Be(PrefixMeanLm.Config.GetHashCode());
    }
}
