namespace LinearDsl.Runtime.Modeling;

/// <summary>Validation of <see cref="ModelConfig"/>: every problem is found and reported at once.</summary>
public sealed partial record ModelConfig
{
    /// <summary>Throws an <see cref="InvalidModelConfigException"/> that lists every problem, if there is any.</summary>
    public void Validate()
    {
        var problems = Problems();
        if (problems.Count > 0) throw new InvalidModelConfigException(problems);
    }

    /// <summary>Every problem of this config, in words that say what to change; empty when the config is valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (FormatVersion != CurrentFormatVersion)
            problems.Add($"format_version {FormatVersion} is not supported; this build reads and writes format_version {CurrentFormatVersion}.");
        Positive(problems, "vocab_size", VocabSize);
        Positive(problems, "width", Width);
        Positive(problems, "layers", Layers);
        Positive(problems, "context_length", ContextLength);
        Positive(problems, "mlp_hidden", MlpHidden);
        if (!(NormEps > 0) || double.IsInfinity(NormEps)) problems.Add($"norm_eps must be positive and finite, got {NormEps}.");
        if (!(InitializerRange > 0) || double.IsInfinity(InitializerRange)) problems.Add($"initializer_range must be positive and finite, got {InitializerRange}.");
        if (!Enum.IsDefined(Norm)) problems.Add($"norm {(int)Norm} is not a known norm kind.");
        if (!Enum.IsDefined(Mlp)) problems.Add($"mlp {(int)Mlp} is not a known MLP kind.");
        if (!Enum.IsDefined(Positions)) problems.Add($"positions {(int)Positions} is not a known position kind.");
        if (Positions == PositionKind.Rotary && (!(RopeTheta > 1) || double.IsInfinity(RopeTheta)))
            problems.Add($"rope_theta must be a finite number greater than 1 for rotary positions, got {RopeTheta}.");

        if (Mixer is null) problems.Add("mixer is missing: every model needs the mixer of its layers.");
        else MixerProblems(problems, "mixer", Mixer);
        if (LayerMixers is null)
        {
            problems.Add("layer_mixers must be an object (possibly empty), not null.");
        }
        else
        {
            foreach (var (layer, spec) in LayerMixers)
            {
                string where = $"layer_mixers[{layer}]";
                if (layer < 0 || layer >= Layers) problems.Add($"{where} overrides layer {layer}, but the model has layers 0..{Layers - 1}.");
                if (spec is null) problems.Add($"{where} is null; remove the entry to use the default mixer.");
                else MixerProblems(problems, where, spec);
            }
        }
        if (MedusaHeads is not null) problems.AddRange(MedusaHeads.Problems());
        ArchitectureProblems(problems);
        return problems;
    }

    void MixerProblems(List<string> problems, string where, MixerSpec spec)
    {
        if (spec.Heads <= 0)
        {
            problems.Add($"{where}.heads must be positive, got {spec.Heads}.");
        }
        else if (Width > 0)
        {
            if (Width % spec.Heads != 0)
                problems.Add($"{where}.heads ({spec.Heads}) must divide width ({Width}); choose a divisor of {Width}.");
            else if (Positions == PositionKind.Rotary && Width / spec.Heads % 2 != 0)
                problems.Add($"{where}: rotary positions need an even head size, but width {Width} / heads {spec.Heads} = {Width / spec.Heads}.");
        }
        if (spec.KvHeads <= 0) problems.Add($"{where}.kv_heads must be positive, got {spec.KvHeads}.");
        else if (spec.Heads > 0 && spec.Heads % spec.KvHeads != 0)
            problems.Add($"{where}.kv_heads ({spec.KvHeads}) must divide heads ({spec.Heads}) for grouped-query attention; choose a divisor of {spec.Heads}.");

        if (spec.Options is null)
        {
            problems.Add($"{where}.options is missing: give the mixer's kind and settings, e.g. {{ \"kind\": \"augmented_linear\" }}.");
            return;
        }
        foreach (var problem in spec.Options.Problems())
            problems.Add($"{where}.options ({spec.Options.KindName()}): {problem}");
    }

    static void Positive(List<string> problems, string name, int value)
    {
        if (value <= 0) problems.Add($"{name} must be positive, got {value}.");
    }
}
