using Spectre.Console;

namespace LinearDsl.Cli;

/// <summary>Writes model text verbatim: no markup parsing, no wrapping, control characters made harmless.</summary>
public static class ConsoleText
{
    /// <summary>
    /// <paramref name="text"/> with control characters other than newline and tab shown as '·': a model can emit
    /// any byte, and an escape sequence could reset the terminal.
    /// </summary>
    public static string Printable(string text)
    {
        if (!text.Any(IsHarmful)) return text;
        return string.Concat(text.Select(c => IsHarmful(c) ? '·' : c));
    }

    /// <summary>
    /// Writes <paramref name="text"/> straight to the console's output (Spectre's renderer would insert line breaks at
    /// the console width, which would change the text when it is piped) and flushes, so that streamed text shows at once.
    /// </summary>
    public static void Write(IAnsiConsole console, string text)
    {
        if (text.Length == 0) return;
        var writer = console.Profile.Out.Writer;
        writer.Write(Printable(text));
        writer.Flush();
    }

    /// <summary>Writes <paramref name="line"/> and a newline straight to the output (no wrapping at the console width, so piped lines stay whole).</summary>
    public static void WriteLine(IAnsiConsole console, string line) => Write(console, line + "\n");

    static bool IsHarmful(char c) => char.IsControl(c) && c != '\n' && c != '\t';
}
