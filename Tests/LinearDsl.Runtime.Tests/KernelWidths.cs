using LinearDsl.Runtime.Fused;

namespace LinearDsl.Runtime.Tests;

/// <summary>The vector widths this CPU can run the fused kernels at (forced one at a time), scalar included.</summary>
public static class KernelWidths
{
    public static IEnumerable<VectorWidth> Available()
        => Enum.GetValues<VectorWidth>().Where(w => w <= FusedIsa.Selected);

    public static TheoryData<VectorWidth> All()
    {
        var data = new TheoryData<VectorWidth>();
        foreach (var width in Available()) data.Add(width);
        return data;
    }
}
