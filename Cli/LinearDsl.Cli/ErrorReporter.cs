using System.Text.RegularExpressions;
using LinearDsl.Runtime.Checkpoints;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>Turns any failure into one line on the error console and a non-zero exit code (never a stack trace).</summary>
public static partial class ErrorReporter
{
    /// <summary>Exit code of a failure the user can fix (bad arguments, missing or invalid files).</summary>
    public const int UsageError = 2;

    /// <summary>Exit code of an unexpected failure.</summary>
    public const int InternalError = 1;

    /// <summary>Writes the line for <paramref name="error"/> and returns the exit code; <paramref name="args"/> help name an option without its value.</summary>
    public static int Report(Exception error, IAnsiConsole console, IReadOnlyList<string>? args = null)
    {
        var (line, code) = MissingValue(error, args) is { } option
            ? ($"{option} needs a value, e.g. {option} <VALUE>; see {LineardslApp.Name} <command> --help.", UsageError)
            : Describe(error);
        // Written past Spectre's renderer, which would wrap a long line at the console width.
        var writer = console.Profile.Out.Writer;
        writer.WriteLine("error: " + line);
        writer.Flush();
        return code;
    }

    /// <summary>The one line and the exit code for <paramref name="error"/>.</summary>
    public static (string Line, int ExitCode) Describe(Exception error)
    {
        error = Unwrap(error);
        return error switch
        {
            CheckpointMismatchException mismatch => (Mismatch(mismatch), UsageError),
            CommandAppException or CliException or IOException or InvalidDataException or ArgumentException
                or UnauthorizedAccessException or NotSupportedException => (OneLine(error.Message), UsageError),
            OperationCanceledException => ("cancelled.", InternalError),
            _ => ($"unexpected {error.GetType().Name}: {OneLine(error.Message)}", InternalError),
        };
    }

    /// <summary>
    /// The option left without its value at the end of the command line. The parser then converts its own
    /// placeholder ("__default_command") and reports that, which names nothing the user typed.
    /// </summary>
    static string? MissingValue(Exception error, IReadOnlyList<string>? args)
    {
        if (args is not { Count: > 0 } || !Unwrap(error).Message.Contains("'__default_command'", StringComparison.Ordinal)) return null;
        string last = args[^1];
        return last.StartsWith('-') ? last.Split('=')[0] : null;
    }

    /// <summary>The counts, then the first keys of each kind with their shapes, so that the line says what differs.</summary>
    static string Mismatch(CheckpointMismatchException mismatch)
    {
        var parts = new List<string>();
        void Add(string kind, IReadOnlyList<object> items)
        {
            if (items.Count == 0) return;
            string shown = string.Join(", ", items.Take(3));
            parts.Add($"{kind} {shown}{(items.Count > 3 ? $" and {items.Count - 3} more" : "")}");
        }
        Add("missing", mismatch.Missing.Cast<object>().ToList());
        Add("unexpected", mismatch.Unexpected.Cast<object>().ToList());
        Add("wrong shape", mismatch.Misshaped.Cast<object>().ToList());
        return $"checkpoint weights '{mismatch.Path}' do not match their config.json ({mismatch.Missing.Count} missing, " +
            $"{mismatch.Unexpected.Count} unexpected, {mismatch.Misshaped.Count} with the wrong shape): {string.Join("; ", parts)}.";
    }

    static Exception Unwrap(Exception error)
    {
        while (error is AggregateException { InnerExceptions.Count: 1 } or System.Reflection.TargetInvocationException && error.InnerException is not null)
            error = error.InnerException!;
        return error;
    }

    /// <summary>Joins a multi-line message into one line and drops .NET's "(Parameter 'x')" and "Actual value was" tails.</summary>
    internal static string OneLine(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(line => !line.StartsWith("Actual value was", StringComparison.Ordinal))
            .Select(line => ParameterSuffix().Replace(line, string.Empty))
            .ToList();
        if (lines.Count == 0) return "(no message)";
        return lines.Count == 1 ? lines[0] : lines[0] + " " + string.Join("; ", lines.Skip(1).Select(line => line.StartsWith("- ", StringComparison.Ordinal) ? line[2..] : line));
    }

    [GeneratedRegex(@"\s*\(Parameter '[^']*'\)")]
    private static partial Regex ParameterSuffix();
}
