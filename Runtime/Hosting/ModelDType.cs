using static TorchSharp.torch;

namespace LinearDsl.Runtime.Hosting;

/// <summary>Parses the element type and device names of <see cref="LinearDslModelOptions"/>.</summary>
internal static class ModelDType
{
    static readonly Dictionary<string, ScalarType> Types = new(StringComparer.OrdinalIgnoreCase)
    {
        ["float32"] = ScalarType.Float32,
        ["float64"] = ScalarType.Float64,
        ["float16"] = ScalarType.Float16,
        ["bfloat16"] = ScalarType.BFloat16,
    };

    /// <summary>The known element type names.</summary>
    public static IEnumerable<string> Names => Types.Keys;

    /// <summary>Whether <paramref name="name"/> is null (keep the stored type) or a known type.</summary>
    public static bool IsValid(string? name) => name is null || Types.ContainsKey(name.Trim());

    /// <summary>The element type called <paramref name="name"/>, or null for none.</summary>
    public static ScalarType? Parse(string? name) => name is null ? null : Types[name.Trim()];

    /// <summary>Whether <paramref name="name"/> is null, "cpu", "cuda" or "cuda:N".</summary>
    public static bool IsValidDevice(string? name)
    {
        if (name is null) return true;
        string device = name.Trim().ToLowerInvariant();
        if (device is "cpu" or "cuda") return true;
        return device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(device.AsSpan(5), out int index) && index >= 0;
    }

    /// <summary>Why a valid device name cannot be used on this machine (no CUDA, or too few CUDA devices), or null when it can.</summary>
    public static string? UnavailableDevice(string? name)
    {
        if (name is null) return null;
        string device = name.Trim().ToLowerInvariant();
        if (device == "cpu") return null;
        if (!cuda.is_available()) return "this machine has no CUDA device (libtorch finds none)";
        int index = device == "cuda" ? 0 : int.Parse(device.AsSpan(5), System.Globalization.CultureInfo.InvariantCulture);
        int count = cuda.device_count();
        return index < count ? null : $"this machine has {count} CUDA device{(count == 1 ? "" : "s")} (cuda:0 to cuda:{count - 1})";
    }

    /// <summary>The device called <paramref name="name"/>, or null for the default (the CPU).</summary>
    public static Device? ParseDevice(string? name) => name is null ? null : new Device(name.Trim().ToLowerInvariant());
}
