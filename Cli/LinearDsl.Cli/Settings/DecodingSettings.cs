using System.ComponentModel;
using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Hosting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>Sampling, speculation and stop settings shared by <c>generate</c> and <c>chat</c>.</summary>
public class DecodingSettings : ModelPairSettings
{
    [CommandOption("--max-tokens <N>")]
    [Description("New tokens at most.")]
    [DefaultValue(200)]
    public int MaxTokens { get; set; } = 200;

    [CommandOption("--temperature <T>")]
    [Description("Sampling temperature; 0 is greedy (then speculative output equals plain output token for token).")]
    [DefaultValue(0.0)]
    public double Temperature { get; set; }

    [CommandOption("--top-k <K>")]
    [Description("Sample only among the K most likely tokens; 0 keeps all.")]
    [DefaultValue(0)]
    public int TopK { get; set; }

    [CommandOption("--top-p <P>")]
    [Description("Nucleus sampling: the smallest set of likely tokens whose probability reaches P, with 0 < P <= 1; 1 keeps all.")]
    [DefaultValue(1.0)]
    public double TopP { get; set; } = 1;

    [CommandOption("--seed <N>")]
    [Description("Seed of the sampler: the same seed, prompt and settings give the same text.")]
    [DefaultValue(0)]
    public int Seed { get; set; }

    [CommandOption("--draft-tokens <M>")]
    [Description("Tokens the draft proposes per round (the starting value with --adaptive), 1 to 64.")]
    [DefaultValue(4)]
    public int DraftTokens { get; set; } = 4;

    [CommandOption("--adaptive")]
    [Description("Adapt the draft length between rounds: grow by one after a fully accepted round, shrink after a rejection (within 1..max(8, M)). Default off.")]
    public bool Adaptive { get; set; }

    [CommandOption("--speculation <MODE>")]
    [Description("What proposes the candidates: chain (the draft's chain of --draft-tokens), tree (the draft's tree), heads (the target's Medusa heads, no draft), heads+draft, or auto: heads with the tree 1,1,1,1 (unless --tree or --tree-budget says otherwise) when the target has Medusa heads, the fastest mode on the bundled pair, else chain. Default auto.")]
    [DefaultValue("auto")]
    public string SpeculationMode { get; set; } = "auto";

    [CommandOption("--tree <SHAPE>")]
    [Description("Tree shape of the tree modes: children per node at each depth, e.g. 2,2,1,1 (the default).")]
    public string? Tree { get; set; }

    [CommandOption("--tree-budget <N>")]
    [Description("A dynamic tree of at most N nodes grown best first by the draft's path probability, instead of --tree.")]
    public int? TreeBudget { get; set; }

    [CommandOption("--no-speculation")]
    [Description("Decode the target alone (no draft is loaded). Default off: speculative decoding.")]
    public bool NoSpeculation { get; set; }

    [CommandOption("--stop <TEXT>")]
    [Description("A text that ends the generation (cut before it); repeat the option for several. Default none.")]
    public string[] Stop { get; set; } = [];

    /// <summary>Whether a draft is loaded (speculation in any mode but heads; auto loads it for a target without heads).</summary>
    public bool Speculate => !NoSpeculation && SpeculationFlags.ParseMode(SpeculationMode) != Runtime.Decoding.SpeculationMode.Heads;

    /// <summary>The decoder's speculation settings for a target with or without Medusa heads (auto resolves by them).</summary>
    public SpeculationOptions SpeculationFor(bool targetHasHeads)
    {
        // --no-speculation loads no draft, and chain without a draft is plain decoding.
        string mode = NoSpeculation ? "chain" : SpeculationFlags.Resolve(SpeculationMode, targetHasHeads);
        bool autoHeads = SpeculationFlags.IsAuto(SpeculationMode) && mode == "heads" && Tree is null && TreeBudget is null;
        string? tree = autoHeads ? string.Join(",", SpeculationFlags.AutoHeadsTree) : Tree;
        return SpeculationFlags.Options(mode, tree, TreeBudget, DraftTokens, Adaptive);
    }

    /// <summary>The text generator's request.</summary>
    public TextGenerationRequest Request => new()
    {
        MaxNewTokens = MaxTokens,
        Temperature = Temperature,
        TopK = TopK,
        TopP = TopP,
        Seed = Seed,
        StopSequences = Stop,
    };

    public override ValidationResult Validate()
    {
        if (MaxTokens < 1) return ValidationResult.Error($"--max-tokens must be at least 1 (got {MaxTokens}).");
        if (!(Temperature >= 0) || double.IsInfinity(Temperature)) return ValidationResult.Error($"--temperature must be finite and at least 0 (got {Temperature}); 0 is greedy.");
        if (TopK < 0) return ValidationResult.Error($"--top-k must be at least 0 (got {TopK}); 0 keeps every token.");
        if (!(TopP > 0 && TopP <= 1)) return ValidationResult.Error($"--top-p must be in (0, 1] (got {TopP}); 1 keeps every token.");
        if (DraftTokens < 1 || DraftTokens > LinearDslSpeculationOptions.MaxSaneDraftTokens)
            return ValidationResult.Error($"--draft-tokens must be between 1 and {LinearDslSpeculationOptions.MaxSaneDraftTokens} (got {DraftTokens}).");
        if (Stop.Any(string.IsNullOrEmpty)) return ValidationResult.Error("--stop needs a non-empty text.");
        if (SpeculationFlags.Problem(SpeculationMode, Tree, TreeBudget, allowAuto: true) is string problem) return ValidationResult.Error(problem);
        if (NoSpeculation && !SpeculationFlags.IsAuto(SpeculationMode) && SpeculationFlags.ParseMode(SpeculationMode) != Runtime.Decoding.SpeculationMode.Chain)
            return ValidationResult.Error($"--no-speculation decodes the target alone; drop --speculation {SpeculationMode}, or drop --no-speculation.");
        return base.Validate();
    }
}
