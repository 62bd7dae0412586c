using System.ComponentModel;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>Settings of <c>generate</c>.</summary>
public sealed class GenerateSettings : DecodingSettings
{
    /// <summary>The prompt used when none is given.</summary>
    public const string DefaultPrompt = "Once upon a time";

    [CommandArgument(0, "[PROMPT]")]
    [Description("Text to continue. Default: \"" + DefaultPrompt + "\".")]
    public string Prompt { get; set; } = DefaultPrompt;

    [CommandOption("--no-compare")]
    [Description("Skip the comparison run. By default generate also times a plain (non-speculative) run of the same request with the same seed, after the streamed one, and prints both side by side with the speed-up.")]
    public bool NoCompare { get; set; }
}
