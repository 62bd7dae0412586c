using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Modeling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LinearDsl.Runtime.Hosting;

/// <summary>
/// What one <c>AddLinearDsl</c> call registered beyond the options: the configuration section's name (for messages)
/// and the models registered from code (<see cref="LinearDslBuilder.UseTargetModel"/>,
/// <see cref="LinearDslBuilder.UseDraftModel"/>). The factories are kept apart from <see cref="LinearDslOptions"/> on
/// purpose: the options validator creates these models to check their vocabularies, which must not need the options.
/// </summary>
internal sealed class LinearDslRegistration(string sectionName)
{
    readonly Lock _gate = new();
    readonly Dictionary<string, (IDisposable? Model, int VocabSize)> _checked = new(StringComparer.Ordinal);

    /// <summary>The configuration section the options come from, e.g. "LinearDsl".</summary>
    public string SectionName { get; } = sectionName;

    public Func<IServiceProvider, CausalLanguageModel>? TargetFactory { get; set; }

    public Func<IServiceProvider, CausalLanguageModel>? DraftFactory { get; set; }

    /// <summary>Whether a draft model is configured (a factory or a checkpoint directory).</summary>
    public bool HasDraft(LinearDslOptions options) => DraftFactory is not null || options.Draft.HasCheckpoint;

    /// <summary>Whether requests decode speculatively.</summary>
    public bool Speculates(LinearDslOptions options) => options.Speculation.Enabled ?? (options.Speculation.Mode == SpeculationMode.Heads || HasDraft(options));

    /// <summary>Creates the target: from its factory, else from the checkpoint the (validated) options name.</summary>
    public CausalLanguageModel CreateTarget(IServiceProvider services)
        => TargetFactory is not null ? Call(TargetFactory, services, LinearDslServiceKeys.Target) : Load(services, Options(services).Target, LinearDslServiceKeys.Target);

    /// <summary>Creates the draft: from its factory, else from the checkpoint the (validated) options name.</summary>
    /// <exception cref="InvalidOperationException">No draft is configured.</exception>
    public CausalLanguageModel CreateDraft(IServiceProvider services)
    {
        if (DraftFactory is not null) return Call(DraftFactory, services, LinearDslServiceKeys.Draft);
        var options = Options(services);
        if (!options.Draft.HasCheckpoint)
            throw new InvalidOperationException($"No draft model is configured: set {SectionName}:Draft:CheckpointDirectory or register one with UseDraftModel.");
        return Load(services, options.Draft, LinearDslServiceKeys.Draft);
    }

    /// <summary>
    /// Loads a checkpoint model while the options are validated, so that every way its files can fail (truncated,
    /// config and weights that disagree, too large for memory, an unusable device) is a validation problem at start;
    /// the container then takes this model instead of loading it again. Returns its vocabulary size.
    /// </summary>
    public int LoadForValidation(IServiceProvider services, LinearDslModelOptions source, string role)
    {
        lock (_gate)
        {
            if (_checked.TryGetValue(role, out var known)) return known.VocabSize;
            var (model, vocabSize) = LoadCheckpoint(services, source);
            _checked[role] = (model, vocabSize);
            return vocabSize;
        }
    }

    /// <summary>Frees the models loaded for a validation that failed (the container will never take them).</summary>
    public void DiscardValidated()
    {
        lock (_gate)
        {
            foreach (var (model, _) in _checked.Values) model?.Dispose();
            _checked.Clear();
        }
    }

    /// <summary>
    /// <c>bundled:target</c> and <c>bundled:draft</c> name the pair the LinearDsl.Models package puts next to the
    /// application; a relative checkpoint directory is resolved against the host's content root, as ASP.NET Core
    /// resolves its paths.
    /// </summary>
    public static string ResolveDirectory(IServiceProvider services, string directory)
        => BundledCheckpoints.TryGetDirectory(directory, out string bundled)
            ? bundled
            : Path.GetFullPath(directory, services.GetService<IHostEnvironment>()?.ContentRootPath ?? Directory.GetCurrentDirectory());

    static LinearDslOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<LinearDslOptions>>().Value;

    static CausalLanguageModel Call(Func<IServiceProvider, CausalLanguageModel> factory, IServiceProvider services, string role)
        => factory(services) ?? throw new InvalidOperationException($"The {role} model factory returned null.");

    CausalLanguageModel Load(IServiceProvider services, LinearDslModelOptions source, string role) => Load<CausalLanguageModel>(services, source, role);

    /// <summary>The model of <paramref name="role"/> from its checkpoint: the one loaded for validation if any, else loaded now.</summary>
    /// <exception cref="InvalidOperationException">No checkpoint is configured, or it holds another architecture than <typeparamref name="TModel"/>.</exception>
    public TModel Load<TModel>(IServiceProvider services, LinearDslModelOptions source, string role) where TModel : class, IDisposable
    {
        if (!source.HasCheckpoint)
            throw new InvalidOperationException($"No {role} model is configured: set {SectionName}:{Capitalized(role)}:CheckpointDirectory or register the model from code.");
        lock (_gate)
        {
            // Taken once; the vocabulary stays known, so that a second validation does not load the model again.
            if (_checked.TryGetValue(role, out var validated) && validated.Model is { } model)
            {
                if (model is not TModel typed)
                    throw new InvalidOperationException($"The {role} checkpoint '{source.CheckpointDirectory}' holds {ModelArchitectures.Describe(model)}, not {ModelArchitectures.Describe(typeof(TModel))}.");
                _checked[role] = (null, validated.VocabSize);
                return typed;
            }
        }
        var (loaded, _) = LoadCheckpoint(services, source);
        if (loaded is TModel result) return result;
        loaded.Dispose();
        throw new InvalidOperationException($"The {role} checkpoint '{source.CheckpointDirectory}' holds {ModelArchitectures.Describe(loaded)}, not {ModelArchitectures.Describe(typeof(TModel))}.");
    }

    /// <summary>The architecture config.json of <paramref name="source"/>'s checkpoint declares (models from code are causal LMs).</summary>
    public static ModelArchitecture ArchitectureOf(IServiceProvider services, LinearDslModelOptions source)
        => source.HasCheckpoint ? ModelConfigJson.Read(Path.Combine(ResolveDirectory(services, source.CheckpointDirectory!), Checkpoint.ConfigFileName)).Architecture : ModelArchitecture.CausalLM;

    /// <summary>The architecture of the target: its checkpoint's, or a causal LM when it is registered from code.</summary>
    public ModelArchitecture TargetArchitecture(IServiceProvider services)
        => TargetFactory is not null ? ModelArchitecture.CausalLM : ArchitectureOf(services, Options(services).Target);

    /// <summary>Loads the checkpoint of <paramref name="source"/> as the model its config.json's architecture names.</summary>
    static (IDisposable Model, int VocabSize) LoadCheckpoint(IServiceProvider services, LinearDslModelOptions source)
    {
        string directory = ResolveDirectory(services, source.CheckpointDirectory!);
        var dtype = ModelDType.Parse(source.DType);
        var device = ModelDType.ParseDevice(source.Device);
        switch (ArchitectureOf(services, source))
        {
            case ModelArchitecture.Encoder:
                var encoder = Checkpoint.LoadEncoder(directory, dtype, device);
                return (encoder, encoder.Config.VocabSize);
            case ModelArchitecture.Seq2Seq:
                var seq2seq = Checkpoint.LoadSeq2Seq(directory, dtype, device);
                return (seq2seq, seq2seq.VocabSize);
            default:
                var model = Checkpoint.Load(directory, dtype, device);
                return (model, model.VocabSize);
        }
    }

    /// <summary>"target" -> "Target" (the option's name).</summary>
    public static string Capitalized(string role) => char.ToUpperInvariant(role[0]) + role[1..];
}
