using LinearDsl.Runtime.Checkpoints;

namespace LinearDsl.Python.Tests;

/// <summary>
/// python/lineardsl_torch against LinearDsl, both directions, for every mixer kind in float32 (1e-5) and float64
/// (1e-10): Python's parallel logits of a LinearDsl checkpoint equal LinearDsl's, Python's step form equals its
/// parallel form, and a checkpoint Python initialised and saved loads in LinearDsl with the logits Python computed.
/// </summary>
public sealed class PythonParityTests(ParityRun run) : IClassFixture<ParityRun>
{
    public static TheoryData<string, string> Cases => ParityCases.Names();

    static double Tolerance(string dtype) => dtype == "float64" ? 1e-10 : 1e-5;

    [Theory]
    [MemberData(nameof(Cases))]
    public void Python_computes_LinearDsl_logits_in_parallel_and_step_form(string name, string dtype)
    {
        run.Failure.Should().BeNull();
        string directory = run.Ours(name, dtype);
        using var scope = NewDisposeScope();
        using var model = Checkpoint.Load(directory);
        var expected = model.Forward(ParityRun.TokensTensor()).detach();
        var python = ParityRun.PythonLogits(directory);

        expected.dtype.Should().Be(dtype == "float64" ? ScalarType.Float64 : ScalarType.Float32);
        python["parallel"].dtype.Should().Be(expected.dtype);
        MaxDifference(python["parallel"], expected).Should().BeLessThan(Tolerance(dtype), "Python's parallel form computes LinearDsl's function");
        if (name.StartsWith("leaky", StringComparison.Ordinal) || name.StartsWith("bidirectional", StringComparison.Ordinal))
            python.Should().NotContainKey("step", "a non-causal model has only its parallel form, in LinearDsl as in Python");
        else
            MaxDifference(python["step"], python["parallel"]).Should().BeLessThan(Tolerance(dtype), "Python's recurrent step equals its parallel form");
        expected.to_type(ScalarType.Float64).abs().max().item<double>().Should().BeGreaterThan(0.05, "the logits are not all near zero, so the tolerance says something");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_checkpoint_saved_by_Python_loads_in_LinearDsl_with_Pythons_logits(string name, string dtype)
    {
        run.Failure.Should().BeNull();
        string directory = run.Theirs(name, dtype);
        using var scope = NewDisposeScope();
        using var model = Checkpoint.Load(directory);
        var python = ParityRun.PythonLogits(directory);

        model.Config.Should().Be(ParityCases.All[name], "Python writes back the config it read");
        model.ParameterDtype.Should().Be(dtype == "float64" ? ScalarType.Float64 : ScalarType.Float32);
        MaxDifference(model.Forward(ParityRun.TokensTensor()), python["parallel"]).Should().BeLessThan(Tolerance(dtype));
    }

    [Fact]
    public void Pythons_random_init_moves_every_mixer_parameter_away_from_its_zero_start()
    {
        // Otherwise the Python-to-LinearDsl direction would not test the global term or the conv.
        run.Failure.Should().BeNull();
        using var model = Checkpoint.Load(run.Theirs("augmented", "float64"));
        foreach (var (key, parameter) in model.named_parameters().Where(p => p.name.Contains(".mixer.", StringComparison.Ordinal)))
            parameter.abs().max().item<double>().Should().BeGreaterThan(0.01, key);
    }

    internal static double MaxDifference(Tensor a, Tensor b)
    {
        a.shape.Should().Equal(b.shape);
        return a.to_type(ScalarType.Float64).sub(b.to_type(ScalarType.Float64)).abs().max().item<double>();
    }
}
