using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Study;

/// <summary>What a variant stands for in the paper's comparison.</summary>
public enum StudyGroup
{
    /// <summary>Softmax attention: the quality every linear form is measured against.</summary>
    Reference,

    /// <summary>Earlier linear attentions the paper compares against.</summary>
    Linear,

    /// <summary>The augmented form and its ablations.</summary>
    Augmented,

    /// <summary>A deliberately non-causal variant (information leakage).</summary>
    Leaky,
}

/// <summary>One model of the study: a key for the command line and the report, and its DSL declaration.</summary>
/// <param name="Key">Short name used by --variants, the JSON and the plots.</param>
/// <param name="Name">Name in tables.</param>
/// <param name="Group">Its role in the comparison.</param>
/// <param name="DeclaredAs">The declaring class in StudyModels.cs.</param>
/// <param name="Config">The declared architecture (the generated Config of that class).</param>
/// <param name="Description">One sentence on the token mixer.</param>
public sealed record StudyVariant(string Key, string Name, StudyGroup Group, string DeclaredAs, ModelConfig Config, string Description);

/// <summary>The variants of <c>lineardsl study</c>, in report order.</summary>
public static class StudyVariants
{
    /// <summary>Key of the softmax reference.</summary>
    public const string Reference = "softmax";

    /// <summary>Key of the method (local + grouped global + causal DWConv).</summary>
    public const string Method = "augmented";

    /// <summary>Key of the method with the leaky (centred, unmasked) conv.</summary>
    public const string LeakyConv = "leaky-conv";

    /// <summary>Key of the method on a GLA-gated global term (issue 16).</summary>
    public const string AugmentedGla = "augmented-gla";

    /// <summary>Keys of the earlier linear attentions the method is compared with.</summary>
    public static IReadOnlyList<string> OtherLinear { get; } = ["elu", "relu", "performer", "hedgehog", "flash"];

    /// <summary>Every variant.</summary>
    public static IReadOnlyList<StudyVariant> All { get; } =
    [
        new(Reference, "softmax (reference)", StudyGroup.Reference, nameof(StudySoftmax), StudySoftmax.Config,
            "causal softmax attention with a KV cache"),
        new("elu", "linear, elu+1", StudyGroup.Linear, nameof(StudyEluLinear), StudyEluLinear.Config,
            "linear attention, phi = elu(x) + 1, with a denominator"),
        new("relu", "linear, ReLU", StudyGroup.Linear, nameof(StudyReluLinear), StudyReluLinear.Config,
            "linear attention, phi = relu(x), with a denominator"),
        new("performer", "Performer", StudyGroup.Linear, nameof(StudyPerformer), StudyPerformer.Config,
            "FAVOR+ positive random features (64 per head), with a denominator"),
        new("hedgehog", "Hedgehog", StudyGroup.Linear, nameof(StudyHedgehog), StudyHedgehog.Config,
            "learnable phi = softmax([xW, -xW]), with a denominator; narrower MLP to level the parameters"),
        new("flash", "FLASH-style local + global", StudyGroup.Linear, nameof(StudyFlashStyle), StudyFlashStyle.Config,
            "ReLU^2 attention in groups of 64 + global linear term over earlier groups scaled by alpha from 1/64 (FLASH's 1/n), no conv; FLASH's gating is not declarable"),
        // Gated and decayed linear attentions (StudyGatedModels.cs) and the delta rule.
        new("retnet", "RetNet (fixed decay)", StudyGroup.Linear, nameof(StudyRetNet), StudyRetNet.Config,
            "retention: linear attention with a fixed decay per head (RetNet's 1 - 2^(-5 - h)), per-head RMS norm"),
        new("gla", "GLA (gates per key dimension)", StudyGroup.Linear, nameof(StudyGla), StudyGla.Config,
            "gated linear attention: a data-dependent forget gate per key dimension from the key, per-head RMS norm; narrower MLP to level the parameters"),
        new("mamba2", "Mamba-2 SSD (scalar decay)", StudyGroup.Linear, nameof(StudyMamba2), StudyMamba2.Config,
            "Mamba-2's SSD in attention form: a data-dependent scalar decay per head and dt-scaled input from the key, per-head RMS norm"),
        new("deltanet", "DeltaNet (delta rule)", StudyGroup.Linear, nameof(StudyDeltaNet), StudyDeltaNet.Config,
            "delta rule S += beta k (v - S^T k)^T with L2-normalised q and k, beta = sigmoid of a projection of the key, chunked WY form"),
        new("local", "aug: local only", StudyGroup.Augmented, nameof(StudyLocalOnly), StudyLocalOnly.Config,
            "ReLU^2 attention inside causal groups of 64"),
        new("global", "aug: grouped global only", StudyGroup.Augmented, nameof(StudyGlobalOnly), StudyGlobalOnly.Config,
            "alpha x the global term over complete earlier groups of 64"),
        new("local-global", "aug: local + global", StudyGroup.Augmented, nameof(StudyLocalGlobal), StudyLocalGlobal.Config,
            "local + alpha x global (alpha starts at 0), no conv"),
        new(Method, "aug: local + global + DWConv (the method)", StudyGroup.Augmented, nameof(StudyAugmented), StudyAugmented.Config,
            "local + alpha x global + 32-tap causal depthwise conv over V"),
        new(AugmentedGla, "aug: the method on a GLA-gated global term", StudyGroup.Augmented, nameof(StudyAugmentedGla), StudyAugmentedGla.Config,
            "local + alpha x a global term decayed per key dimension by GLA gates from the key + 32-tap causal conv; narrower MLP to level the parameters"),
        new(LeakyConv, "aug: the method with a leaky conv", StudyGroup.Leaky, nameof(StudyLeakyConv), StudyLeakyConv.Config,
            "the method with a 63-tap centred conv whose 31 future taps are not masked (LDSL2001 suppressed)"),
    ];

    /// <summary>The fixed draft of speculative decoding (its declaration).</summary>
    public static ModelConfig DraftConfig => StudyDraft.Config;

    /// <summary>The variant with <paramref name="key"/>.</summary>
    /// <exception cref="StudyException">No variant has that key.</exception>
    public static StudyVariant Find(string key) =>
        All.FirstOrDefault(v => v.Key == key)
        ?? throw new StudyException($"unknown study variant '{key}'; the variants are {string.Join(", ", All.Select(v => v.Key))}.");

    /// <summary>Parses a comma-separated list of keys (null or empty: every variant), keeping report order.</summary>
    /// <exception cref="StudyException">A key is unknown or the softmax reference is left out.</exception>
    public static IReadOnlyList<StudyVariant> Select(string? keys)
    {
        if (string.IsNullOrWhiteSpace(keys)) return All;
        var wanted = keys.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(k => Find(k.ToLowerInvariant()).Key).ToHashSet();
        if (!wanted.Contains(Reference))
            throw new StudyException($"--variants must include '{Reference}': it is the reference of the parameter counts and of every comparison.");
        return All.Where(v => wanted.Contains(v.Key)).ToArray();
    }
}
