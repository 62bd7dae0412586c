using LinearDsl.Runtime.Fused;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Generators.Tests;

/// <summary>
/// The decode program built from the config at run time against the generated one of each declaration: both make
/// the same FusedFrame calls in the same order, so their logits and states are bit-identical, in float64 and float32,
/// for a verification with rows accepting different counts and the steps after it.
/// </summary>
public sealed class RuntimeDecodeProgramTests
{
    public static TheoryData<string, ScalarType> Cases()
    {
        var data = new TheoryData<string, ScalarType>();
        foreach (var name in new[] { "TinyAugmented", "TinyHedgehog", "TinySoftmaxGpt", "TinyHybrid", "TinyGqa", "TinyDraft" })
            foreach (var dtype in new[] { ScalarType.Float64, ScalarType.Float32 }) data.Add(name, dtype);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_runtime_program_is_bit_identical_to_the_generated_one(string name, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var generated = GeneratedModelTests.CreateDeclared(name);
        using var runtime = GeneratedModelTests.CreateDeclared(name);
        GeneratedModelTests.RandomizeMixers(generated);
        GeneratedModelTests.RandomizeMixers(runtime);
        generated.to(dtype);
        runtime.to(dtype);
        generated.DecodeProgram.Should().NotBeOfType<ConfigDecodeProgram>("Create attaches the generated program");
        runtime.UseDecodeProgram(new ConfigDecodeProgram(runtime.Config!));

        var tokens = randint(0, 48, [3, 16], dtype: ScalarType.Int64, generator: new torch.Generator(9));
        using var generatedState = generated.CreateState(3);
        using var runtimeState = runtime.CreateState(3);
        var logits = new List<Tensor>();
        foreach (var (model, state) in new[] { (generated, generatedState), (runtime, runtimeState) })
        {
            model.Prefill(tokens.narrow(1, 0, 3), state);
            var (verified, pending) = model.Verify(tokens.narrow(1, 3, 4), state);
            using (pending) model.Commit(state, pending, [4, 1, 3]);
            logits.Add(verified);
        }
        Same(logits[0], logits[1]).Should().BeTrue("verified logits");
        for (int t = 7; t < 16; t++)
        {
            var token = tokens.narrow(1, t, 1);
            Same(generated.Step(token, generatedState), runtime.Step(token, runtimeState)).Should().BeTrue($"logits of step {t}");
        }
        runtimeState.Positions.Should().Equal(generatedState.Positions);
        for (int layer = 0; layer < generatedState.Layers.Count; layer++)
            foreach (var (key, value) in generatedState.Layers[layer].Tensors)
                Same(runtimeState.Layers[layer].Tensors[key], value).Should().BeTrue($"state {key} of layer {layer}");
    }

    /// <summary>Same shape and the same values, bit for bit.</summary>
    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
}
