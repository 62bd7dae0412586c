using System.Globalization;
using LinearDsl.Runtime.Decoding;

namespace LinearDsl.Cli;

/// <summary>Parsing and checking of the speculation flags shared by <c>generate</c>, <c>chat</c> and <c>bench</c> (one-line errors).</summary>
public static class SpeculationFlags
{
    /// <summary>The values --speculation accepts.</summary>
    public const string Modes = "chain, tree, heads or heads+draft";

    /// <summary>The values --speculation of generate and chat accept: auto as well.</summary>
    public const string ModesWithAuto = "auto, chain, tree, heads or heads+draft";

    /// <summary>
    /// The tree of auto's heads mode: the top token of each of the four heads. On the bundled pair it is the fastest
    /// mode (docs/speculative.md, "Figures"): wider heads trees accept a little more per call but cost more per call.
    /// </summary>
    public static readonly IReadOnlyList<int> AutoHeadsTree = [1, 1, 1, 1];

    /// <summary>Whether --speculation names auto (heads when the target has Medusa heads, else chain).</summary>
    public static bool IsAuto(string? name) => string.Equals(name?.Trim(), "auto", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The mode auto stands for with this target: heads (no draft needed) when it carries Medusa heads, else chain;
    /// any other name unchanged.
    /// </summary>
    public static string Resolve(string mode, bool targetHasHeads) => IsAuto(mode) ? (targetHasHeads ? "heads" : "chain") : mode;

    /// <summary>The mode named by --speculation, or null when the name is unknown.</summary>
    public static SpeculationMode? ParseMode(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "chain" => SpeculationMode.Chain,
        "tree" => SpeculationMode.Tree,
        "heads" => SpeculationMode.Heads,
        "heads+draft" or "heads-and-draft" => SpeculationMode.HeadsAndDraft,
        _ => null,
    };

    /// <summary>The shape named by --tree ("2,2,1,1": children per node at each depth), or null when it is not a list of positive numbers.</summary>
    public static int[]? ParseBranching(string? shape)
    {
        if (string.IsNullOrWhiteSpace(shape)) return null;
        var parts = shape.Split(',', StringSplitOptions.TrimEntries);
        var branching = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out branching[i]) || branching[i] < 1) return null;
        return branching;
    }

    /// <summary>What is wrong with the flags, or null when they make valid options.</summary>
    public static string? Problem(string mode, string? tree, int? treeBudget, bool allowAuto = false)
    {
        if (allowAuto && IsAuto(mode)) mode = "heads";
        else if (ParseMode(mode) is null) return $"--speculation must be {(allowAuto ? ModesWithAuto : Modes)} (got '{mode}').";
        if (tree is not null && ParseBranching(tree) is null)
            return $"--tree must list the children per node at each depth, positive numbers separated by commas, e.g. 2,2,1,1 (got '{tree}').";
        if (tree is not null && treeBudget is not null) return "--tree and --tree-budget choose two different tree shapes; give one of them.";
        try
        {
            Options(mode, tree, treeBudget, draftTokens: 4, adaptive: false).Validate();
        }
        catch (ArgumentOutOfRangeException error)
        {
            string flag = error.ParamName == nameof(SpeculationOptions.TreeNodeBudget) ? "--tree-budget" : "--tree";
            return $"{flag}: {error.Message.Split('\n')[0].Split(" (Parameter")[0]}";
        }
        return null;
    }

    /// <summary>The decoder's options from the (checked) flags.</summary>
    public static SpeculationOptions Options(string mode, string? tree, int? treeBudget, int draftTokens, bool adaptive)
    {
        var options = new SpeculationOptions
        {
            Mode = ParseMode(mode) ?? SpeculationMode.Chain,
            DraftTokens = draftTokens,
            Adaptive = adaptive,
            MinDraftTokens = 1,
            MaxDraftTokens = Math.Max(8, draftTokens),
            TreeNodeBudget = treeBudget,
        };
        return ParseBranching(tree) is { } branching ? options with { TreeBranching = branching } : options;
    }

    /// <summary>The name --speculation uses for a mode.</summary>
    public static string Name(SpeculationMode mode) => mode switch
    {
        SpeculationMode.Chain => "chain",
        SpeculationMode.Tree => "tree",
        SpeculationMode.Heads => "heads",
        _ => "heads+draft",
    };
}
