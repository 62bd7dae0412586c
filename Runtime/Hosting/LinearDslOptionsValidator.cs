using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tokenization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LinearDsl.Runtime.Hosting;

/// <summary>
/// Checks <see cref="LinearDslOptions"/> when the host starts (<c>ValidateOnStart</c>) or when a LinearDsl service is
/// first resolved, and reports every problem at once, each naming the setting to change: a target is given exactly
/// once (checkpoint directory or code), checkpoint directories hold config.json and model.safetensors, the tokenizer
/// is known and its vocabulary fits the models, draft and target share one vocabulary, a draft exists when
/// speculation is enabled, and every number lies in its range.
/// </summary>
/// <remarks>
/// Vocabularies of checkpoint models are read from their config.json (no weights are loaded). Models registered from
/// code are created here (they are singletons of the container, so this is their one creation); their factories must
/// therefore not resolve <c>IOptions&lt;LinearDslOptions&gt;</c>.
/// </remarks>
public sealed class LinearDslOptionsValidator : IValidateOptions<LinearDslOptions>
{
    [ThreadStatic] static bool _validating;

    readonly IServiceProvider _services;
    readonly LinearDslRegistration _registration;

    internal LinearDslOptionsValidator(IServiceProvider services, LinearDslRegistration registration)
    {
        _services = services;
        _registration = registration;
    }

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, LinearDslOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (name is not null && name != Options.DefaultName) return ValidateOptionsResult.Skip;
        if (_validating)
            throw new InvalidOperationException("A LinearDsl model factory resolved IOptions<LinearDslOptions> while the options were being validated; model factories must not depend on LinearDslOptions.");
        _validating = true;
        try
        {
            var problems = Problems(options);
            if (problems.Count == 0) return ValidateOptionsResult.Success;
            _registration.DiscardValidated();
            return ValidateOptionsResult.Fail(problems);
        }
        finally
        {
            _validating = false;
        }
    }

    List<string> Problems(LinearDslOptions options)
    {
        string section = _registration.SectionName;
        var problems = new List<string>();
        if (options.Target is null || options.Draft is null || options.Speculation is null || options.Generation is null)
        {
            problems.Add($"{section}: Target, Draft, Speculation and Generation must not be null.");
            return problems;
        }
        if (string.IsNullOrWhiteSpace(options.ModelId)) problems.Add($"{section}:ModelId is empty; give the model a name (default \"lineardsl\").");
        var tokenizer = TokenizerVocabulary(options.Tokenizer, section, problems);
        int? target = ModelVocabulary(options.Target, _registration.TargetFactory, LinearDslServiceKeys.Target, section, problems);
        bool hasDraft = _registration.HasDraft(options);
        int? draft = hasDraft ? ModelVocabulary(options.Draft, _registration.DraftFactory, LinearDslServiceKeys.Draft, section, problems) : null;
        SpeculationProblems(options.Speculation, hasDraft, section, problems);
        if (target is not null && _registration.TargetFactory is null && NonCausalTarget(options.Target) is { } architecture)
            NonCausalSpeculationProblems(architecture, options, hasDraft, section, problems);
        GenerationProblems(options.Generation, section, problems);
        if (options.DecodeThreads is < 1 or > Fused.FusedDecoding.MaxThreads)
            problems.Add($"{section}:DecodeThreads must be between 1 and {Fused.FusedDecoding.MaxThreads}, got {options.DecodeThreads}; leave it unset for one per core up to 4.");

        if (target is int t && draft is int d && t != d)
            problems.Add($"The draft's vocabulary ({d} tokens) differs from the target's ({t} tokens); a draft must share its target's vocabulary and tokenizer.");
        if (tokenizer is var (tokenizerName, size))
        {
            if (target is int tv && size > tv)
                problems.Add($"The tokenizer '{tokenizerName}' has {size} token ids but the target model's vocabulary has only {tv}; choose the tokenizer the model was trained with ({section}:Tokenizer).");
            if (draft is int dv && size > dv && dv != target)
                problems.Add($"The tokenizer '{tokenizerName}' has {size} token ids but the draft model's vocabulary has only {dv}.");
        }
        return problems;
    }

    static (string Name, int VocabSize)? TokenizerVocabulary(string? name, string section, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(name) || !TextTokenizers.Names.Contains(name.Trim().ToLowerInvariant()))
        {
            problems.Add($"{section}:Tokenizer '{name}' is not a known tokenizer; use one of: {string.Join(", ", TextTokenizers.Names)}.");
            return null;
        }
        try
        {
            var tokenizer = TextTokenizers.Create(name);
            return (tokenizer.Name, tokenizer.VocabSize);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            problems.Add($"{section}:Tokenizer '{name}' could not be created: {exception.Message}");
            return null;
        }
    }

    /// <summary>The vocabulary of a model (from its config.json or by creating it), or null after reporting why it is unknown.</summary>
    int? ModelVocabulary(LinearDslModelOptions source, Func<IServiceProvider, CausalLanguageModel>? factory, string role, string section, List<string> problems)
    {
        string setting = $"{section}:{LinearDslRegistration.Capitalized(role)}";
        if (factory is not null && source.HasCheckpoint)
        {
            problems.Add($"The {role} model is given twice: {setting}:CheckpointDirectory is set and a model was registered from code; keep one.");
            return null;
        }
        if (factory is not null) return CreatedVocabulary(role, problems);
        if (!source.HasCheckpoint)
        {
            problems.Add($"No {role} model: set {setting}:CheckpointDirectory to a checkpoint directory (config.json and model.safetensors), or register the model from code (AddLinearDsl with a factory, or UseTargetModel).");
            return null;
        }
        if (!ModelDType.IsValid(source.DType))
            problems.Add($"{setting}:DType '{source.DType}' is not known; use one of: {string.Join(", ", ModelDType.Names)} (or leave it out to keep the stored type).");
        int before = problems.Count;
        if (!ModelDType.IsValidDevice(source.Device))
            problems.Add($"{setting}:Device '{source.Device}' is not known; use cpu, cuda or cuda:N.");
        else if (ModelDType.UnavailableDevice(source.Device) is { } why)
            problems.Add($"{setting}:Device '{source.Device}' is not available: {why}; use cpu.");
        int? vocabulary = CheckpointVocabulary(LinearDslRegistration.ResolveDirectory(_services, source.CheckpointDirectory!), source.CheckpointDirectory!, role, setting, problems);
        if (vocabulary is null || problems.Count > before) return vocabulary;
        try
        {
            return _registration.LoadForValidation(_services, source, role);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            problems.Add($"The {role} model in {setting}:CheckpointDirectory '{source.CheckpointDirectory}' cannot be loaded: {OneLine(exception.Message)}");
            return null;
        }
    }

    /// <summary>
    /// An encoder target takes no draft and no speculation; a seq2seq target takes only a seq2seq draft checkpoint and
    /// chain speculation (the speculative seq2seq decoder drafts chains).
    /// </summary>
    void NonCausalSpeculationProblems(ModelArchitecture architecture, LinearDslOptions options, bool hasDraft, string section, List<string> problems)
    {
        if (architecture == ModelArchitecture.Encoder)
        {
            if (hasDraft || options.Speculation.Enabled == true || options.Speculation.Mode != SpeculationMode.Chain)
                problems.Add($"The target checkpoint is {ModelArchitectures.Describe(architecture)}, which generates no text; remove {section}:Draft and the {section}:Speculation settings.");
            return;
        }
        if (options.Speculation.Mode != SpeculationMode.Chain)
            problems.Add($"{section}:Speculation:Mode is {options.Speculation.Mode}, but a seq2seq target decodes speculatively with chains only; use Chain.");
        if (_registration.DraftFactory is not null)
            problems.Add($"A seq2seq target takes a seq2seq draft checkpoint ({section}:Draft:CheckpointDirectory), not a causal LM registered from code.");
        else if (options.Draft.HasCheckpoint && NonCausalTarget(options.Draft) != ModelArchitecture.Seq2Seq)
            problems.Add($"The target checkpoint is a seq2seq model, so {section}:Draft:CheckpointDirectory must be a seq2seq checkpoint (config.json \"architecture\": \"seq2seq\") too.");
    }

    /// <summary>The architecture of a checkpoint target that is not a causal LM, or null (a causal LM, or a config that cannot be read: reported elsewhere).</summary>
    ModelArchitecture? NonCausalTarget(LinearDslModelOptions target)
    {
        try
        {
            var architecture = LinearDslRegistration.ArchitectureOf(_services, target);
            return architecture == ModelArchitecture.CausalLM ? null : architecture;
        }
        catch (Exception exception) when (exception is IOException or InvalidDataException or UnauthorizedAccessException or InvalidModelConfigException)
        {
            return null;
        }
    }

    /// <summary>A multi-line message (a checkpoint mismatch lists its keys) as one line.</summary>
    static string OneLine(string message)
        => string.Join("; ", message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));

    int? CreatedVocabulary(string role, List<string> problems)
    {
        try
        {
            return _services.GetRequiredKeyedService<CausalLanguageModel>(role).VocabSize;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            problems.Add($"Creating the {role} model from its factory failed: {exception.Message}");
            return null;
        }
    }

    static int? CheckpointVocabulary(string full, string directory, string role, string setting, List<string> problems)
    {
        if (!Directory.Exists(full))
        {
            problems.Add(BundledCheckpoints.IsBundledName(directory)
                ? $"{setting}:CheckpointDirectory {BundledCheckpoints.MissingMessage(directory, full)}"
                : $"{setting}:CheckpointDirectory '{directory}' does not exist (resolved to '{full}').");
            return null;
        }
        bool complete = true;
        foreach (var file in new[] { Checkpoint.ConfigFileName, Checkpoint.WeightsFileName })
        {
            if (File.Exists(Path.Combine(full, file))) continue;
            problems.Add($"{setting}:CheckpointDirectory '{directory}' has no {file}; a checkpoint directory holds {Checkpoint.ConfigFileName} and {Checkpoint.WeightsFileName}, as Checkpoint.Save writes them.");
            complete = false;
        }
        if (!complete) return null;
        try
        {
            var config = ModelConfigJson.Read(Path.Combine(full, Checkpoint.ConfigFileName));
            return config.VocabSize;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            problems.Add($"The {role} model's {Checkpoint.ConfigFileName} in '{directory}' cannot be read: {exception.Message}");
            return null;
        }
    }

    static void SpeculationProblems(LinearDslSpeculationOptions speculation, bool hasDraft, string section, List<string> problems)
    {
        string setting = $"{section}:Speculation";
        if (speculation.Enabled == true && !hasDraft && speculation.Mode != SpeculationMode.Heads)
            problems.Add($"{setting}:Enabled is true but no draft model is configured; set {section}:Draft:CheckpointDirectory (or register a draft from code), or turn speculation off.");
        if (speculation.MinDraftTokens < 1)
            problems.Add($"{setting}:MinDraftTokens must be at least 1, got {speculation.MinDraftTokens}.");
        if (speculation.MaxDraftTokens < speculation.MinDraftTokens || speculation.MaxDraftTokens > LinearDslSpeculationOptions.MaxSaneDraftTokens)
            problems.Add($"{setting}:MaxDraftTokens must lie in [MinDraftTokens ({speculation.MinDraftTokens}), {LinearDslSpeculationOptions.MaxSaneDraftTokens}], got {speculation.MaxDraftTokens}.");
        if (speculation.DraftTokens < speculation.MinDraftTokens || speculation.DraftTokens > speculation.MaxDraftTokens)
            problems.Add($"{setting}:DraftTokens must lie in [MinDraftTokens, MaxDraftTokens] = [{speculation.MinDraftTokens}, {speculation.MaxDraftTokens}], got {speculation.DraftTokens}.");
        TreeProblems(speculation, setting, problems);
    }

    /// <summary>The tree settings, each checked by the decoder's own rule so that the message names the setting.</summary>
    static void TreeProblems(LinearDslSpeculationOptions speculation, string setting, List<string> problems)
    {
        if (!Enum.IsDefined(speculation.Mode))
            problems.Add($"{setting}:Mode must be Chain, Tree, Heads or HeadsAndDraft, got {speculation.Mode}.");
        if (!Enum.IsDefined(speculation.TreeAcceptance))
            problems.Add($"{setting}:TreeAcceptance must be Exact or TypicalInexact, got {speculation.TreeAcceptance}.");
        var probe = new SpeculationOptions();
        foreach (var check in new Func<SpeculationOptions>[]
        {
            () => speculation.TreeBranching is null ? probe : probe with { TreeBranching = speculation.TreeBranching },
            () => probe with { TreeNodeBudget = speculation.TreeNodeBudget },
            () => probe with { TreeMaxDepth = speculation.TreeMaxDepth },
        })
        {
            try
            {
                check().Validate();
            }
            catch (ArgumentOutOfRangeException error)
            {
                // The decoder's messages start with the setting's name: "TreeNodeBudget must lie in [1, 256]."
                problems.Add($"{setting}:{WithoutParameter(error.Message)} Got {error.ActualValue}.");
            }
        }
    }

    /// <summary>An exception message without the " (Parameter 'x')" and "Actual value" parts .NET appends.</summary>
    static string WithoutParameter(string message)
    {
        var line = message.Split('\n')[0];
        int at = line.IndexOf(" (Parameter", StringComparison.Ordinal);
        return at >= 0 ? line[..at] : line;
    }

    static void GenerationProblems(LinearDslGenerationOptions generation, string section, List<string> problems)
    {
        string setting = $"{section}:Generation";
        if (generation.MaxNewTokens < 1)
            problems.Add($"{setting}:MaxNewTokens must be at least 1, got {generation.MaxNewTokens}.");
        if (!(generation.Temperature >= 0) || double.IsInfinity(generation.Temperature))
            problems.Add($"{setting}:Temperature must be finite and at least 0 (0 is greedy), got {generation.Temperature}.");
        if (generation.TopK < 0)
            problems.Add($"{setting}:TopK must be at least 0 (0 keeps every token), got {generation.TopK}.");
        if (!(generation.TopP > 0 && generation.TopP <= 1))
            problems.Add($"{setting}:TopP must be in (0, 1] (1 keeps every token), got {generation.TopP}.");
        if (generation.StopSequences is null || generation.StopSequences.Any(string.IsNullOrEmpty))
            problems.Add($"{setting}:StopSequences must not contain empty entries.");
    }
}
