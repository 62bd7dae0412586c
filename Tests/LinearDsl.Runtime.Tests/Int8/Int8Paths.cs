using LinearDsl.Runtime.Fused;

namespace LinearDsl.Runtime.Tests.Int8;

/// <summary>The int8 kernel paths this CPU runs (each forced in turn), the scalar reference included.</summary>
/// <remarks>Theories take the path's name: the enum is internal to the runtime.</remarks>
public static class Int8Paths
{
    internal static IEnumerable<Int8Path> Available() => Enum.GetValues<Int8Path>().Where(Int8Isa.IsSupported);

    public static TheoryData<string> All()
    {
        var data = new TheoryData<string>();
        foreach (var path in Available()) data.Add(path.ToString());
        return data;
    }

    internal static Int8Path Parse(string name) => Enum.Parse<Int8Path>(name);
}
