using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tests.Modeling;

namespace LinearDsl.Runtime.Tests.Medusa;

/// <summary>Catalog models with Medusa heads, in float64 with every parameter (heads included) random.</summary>
public static class MedusaModels
{
    public static ModelConfig Config(string name, int count = 3, int layers = 1)
        => ModelCatalog.Config(name) with { MedusaHeads = new MedusaSpec(count, layers) };

    public static CausalLanguageModel Create(string name, int count = 3, int layers = 1, int seed = 0)
    {
        var model = ModelFactory.Create(Config(name, count, layers), dtype: ScalarType.Float64);
        ModelCatalog.Randomize(model, seed + 11);
        return model;
    }
}
