using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>Settings of <c>bench</c>.</summary>
public sealed class BenchSettings : ModelPairSettings
{
    [CommandOption("--prompt <TEXT>")]
    [Description("Prompt of every run.")]
    [DefaultValue(GenerateSettings.DefaultPrompt)]
    public string Prompt { get; set; } = GenerateSettings.DefaultPrompt;

    [CommandOption("--max-tokens <N>")]
    [Description("Tokens generated per run (greedy, so every run generates the same text).")]
    [DefaultValue(128)]
    public int MaxTokens { get; set; } = 128;

    [CommandOption("--runs <N>")]
    [Description("Timed runs per decoder after one warm-up run; the median is reported.")]
    [DefaultValue(3)]
    public int Runs { get; set; } = 3;

    [CommandOption("--draft-tokens <M>")]
    [Description("Tokens the draft proposes per round.")]
    [DefaultValue(4)]
    public int DraftTokens { get; set; } = 4;

    [CommandOption("--speculation <MODE>")]
    [Description("What proposes the candidates of the speculative run: chain, tree, heads (the target's Medusa heads) or heads+draft. Default chain.")]
    [DefaultValue("chain")]
    public string SpeculationMode { get; set; } = "chain";

    [CommandOption("--tree <SHAPE>")]
    [Description("Tree shape of the tree modes: children per node at each depth, e.g. 2,2,1,1 (the default).")]
    public string? Tree { get; set; }

    [CommandOption("--tree-budget <N>")]
    [Description("A dynamic tree of at most N nodes grown best first, instead of --tree.")]
    public int? TreeBudget { get; set; }

    [CommandOption("--json <PATH>")]
    [Description("Also write the measurements as a JSON array (one object per measurement with its unit, the machine and the commit). Default: none written.")]
    public string? Json { get; set; }

    /// <summary>The speculative run's options.</summary>
    public Runtime.Decoding.SpeculationOptions Speculation => SpeculationFlags.Options(SpeculationMode, Tree, TreeBudget, DraftTokens, adaptive: false);

    public override ValidationResult Validate()
    {
        if (MaxTokens < 1) return ValidationResult.Error($"--max-tokens must be at least 1 (got {MaxTokens}).");
        if (Runs < 1) return ValidationResult.Error($"--runs must be at least 1 (got {Runs}).");
        if (DraftTokens < 1 || DraftTokens > 64) return ValidationResult.Error($"--draft-tokens must be between 1 and 64 (got {DraftTokens}).");
        if (SpeculationFlags.Problem(SpeculationMode, Tree, TreeBudget) is string problem) return ValidationResult.Error(problem);
        return base.Validate();
    }
}
