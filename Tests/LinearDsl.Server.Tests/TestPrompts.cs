namespace LinearDsl.Server.Tests;

/// <summary>Prompts of different lengths for the tests (ASCII, so that text and byte tokens correspond one to one).</summary>
public static class TestPrompts
{
    public static IReadOnlyList<string> All { get; } =
    [
        "In the beginning", "a", "The sea is wide and", "0123456789", "Hello there, how are you today?", "zz", "Once upon a time",
        "q", "The quick brown fox jumps", "!", "Lorem ipsum dolor sit amet", "xyz",
    ];
}
