using System.Reflection;
using System.Text.Json.Serialization;

namespace LinearDsl.Runtime.Modeling;

/// <summary>The names config.json uses for enum values ("augmented_linear", "rms_norm", ...), for messages and descriptions.</summary>
internal static class JsonNames
{
    public static string Of<T>(T value) where T : struct, Enum
    {
        string name = value.ToString();
        var attribute = typeof(T).GetField(name)?.GetCustomAttribute<JsonStringEnumMemberNameAttribute>();
        return attribute?.Name ?? System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
    }
}
