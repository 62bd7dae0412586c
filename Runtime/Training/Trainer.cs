using System.Diagnostics;
using System.Text;
using TorchSharp;
using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Data;
using LinearDsl.Runtime.Modeling;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Training;

/// <summary>
/// Trains a <see cref="CausalLanguageModel"/> on packed sequences with AdamW, a warmup + cosine learning-rate
/// schedule and global-norm gradient clipping. The same loop serves every mode: from scratch (a model from
/// <see cref="ModelFactory.Create"/>), fine-tuning (any given model, e.g. after linearizing) and distillation of a
/// draft from a target (<see cref="DistillationOptions"/>). On the CPU a run is deterministic: the same model, data
/// and options give a bit-identical loss curve, and <see cref="Resume"/> from a checkpoint continues it exactly.
/// Every step runs in its own dispose scope, so training does not grow the live tensor count. Not thread-safe.
/// </summary>
public sealed class Trainer : IDisposable
{
    readonly CorpusSplit _data;
    readonly TrainingOptions _options;
    readonly TrainingObjective _objective;
    readonly WarmupCosineSchedule _schedule;
    readonly BatchSampler _sampler;
    readonly AdamW _optimizer;
    readonly IReadOnlyList<Parameter> _parameters;
    readonly List<double> _losses = [];
    readonly List<EvaluationResult> _evaluations = [];
    readonly bool _ownsModel;
    readonly LoraAdapters? _ownedAdapters;
    bool _disposed;

    /// <summary>Prepares to train <paramref name="model"/> (the caller keeps owning it) from step 0.</summary>
    /// <param name="model">The model to train: new, pretrained (fine-tuning) or the draft (distillation).</param>
    /// <param name="data">Packed training and validation sequences.</param>
    /// <param name="options">Steps, batch, schedule, optimizer, clipping, evaluation and checkpoint settings.</param>
    /// <param name="distillation">Train towards a target's distributions instead of the next token alone; null for next-token training.</param>
    /// <exception cref="ArgumentException">The options are invalid, or the data, model and target do not fit together (the message says how).</exception>
    public Trainer(CausalLanguageModel model, CorpusSplit data, TrainingOptions options, DistillationOptions? distillation = null)
        : this(model, data, options, distillation, ownsModel: false)
    {
    }

    Trainer(CausalLanguageModel model, CorpusSplit data, TrainingOptions options, DistillationOptions? distillation, bool ownsModel, LoraAdapters? ownedAdapters = null)
    {
        _ownedAdapters = ownedAdapters;
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        TrainerChecks.ThrowIfUnfit(model, data, options, distillation);
        Model = model;
        _data = data;
        _options = options;
        _objective = new TrainingObjective(distillation);
        _schedule = options.Schedule();
        _sampler = new BatchSampler(data.Train.Count, options.BatchSize, options.Seed);
        (_optimizer, _parameters) = OptimizerFactory.Create(model, options);
        _ownsModel = ownsModel;
    }

    /// <summary>
    /// Continues the run saved in the training checkpoint folder <paramref name="checkpoint"/> (a step-NNNNNN folder;
    /// see <see cref="TrainingCheckpoint.FindLatest"/>): loads its model (which the trainer then owns), optimizer
    /// state, step, batch sampler position and history. The data and options must be those of the saved run, apart
    /// from the intervals and the checkpoint directory; otherwise the resume is refused.
    /// </summary>
    /// <exception cref="FileNotFoundException">A part of the checkpoint is missing.</exception>
    /// <exception cref="InvalidOperationException">The data, options or objective differ from the saved run's (lists the differences).</exception>
    /// <exception cref="InvalidDataException">A file of the checkpoint is corrupt.</exception>
    public static Trainer Resume(string checkpoint, CorpusSplit data, TrainingOptions options, DistillationOptions? distillation = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(checkpoint);
        TrainingCheckpoint.CheckComplete(checkpoint);
        var state = TrainerState.Read(Path.Combine(checkpoint, TrainingCheckpoint.StateFileName));
        var model = Checkpoint.Load(Path.Combine(checkpoint, TrainingCheckpoint.ModelDirectoryName));
        Trainer? trainer = null;
        try
        {
            string adapters = Path.Combine(checkpoint, TrainingCheckpoint.AdaptersDirectoryName);
            if (Directory.Exists(adapters)) trainer = new Trainer(model, data, options, distillation, ownsModel: true, LoraAdapters.Load(model, adapters));
            else trainer = new Trainer(model, data, options, distillation, ownsModel: true);
            trainer.Restore(state, Path.Combine(checkpoint, TrainingCheckpoint.OptimizerFileName), checkpoint);
            return trainer;
        }
        catch
        {
            if (trainer is not null) trainer.Dispose();
            else model.Dispose();
            throw;
        }
    }

    /// <summary>The model being trained.</summary>
    public CausalLanguageModel Model { get; }

    /// <summary>The LoRA adapters being trained (attached to <see cref="Model"/>; a resumed run loads them from its checkpoint), or null when the whole model trains.</summary>
    public LoraAdapters? Adapters => LoraAdapters.AttachedTo(Model);

    /// <summary>Steps completed, including steps before a resume.</summary>
    public int CompletedSteps { get; private set; }

    /// <summary>Training loss of every completed step, first to last.</summary>
    public IReadOnlyList<double> Losses => _losses;

    /// <summary>Every evaluation so far.</summary>
    public IReadOnlyList<EvaluationResult> Evaluations => _evaluations;

    /// <summary>The learning-rate schedule.</summary>
    public WarmupCosineSchedule Schedule => _schedule;

    /// <summary>
    /// Trains until <see cref="TrainingOptions.Steps"/> steps are complete: one batch per step, an evaluation every
    /// <see cref="TrainingOptions.EvaluationInterval"/> steps and after the last (when there is a validation set), a
    /// checkpoint every <see cref="TrainingOptions.CheckpointInterval"/> steps and after the last (when there is a
    /// checkpoint directory), and a report to <paramref name="progress"/> after every step (synchronously, on this thread).
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled; the trainer stops between steps and can continue with another call.</exception>
    /// <exception cref="InvalidOperationException">The loss became NaN or infinite (the model is left as it was before that step).</exception>
    public TrainingResult Train(IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var clock = Stopwatch.StartNew();
        var stepTime = TimeSpan.Zero;
        int stepsThisCall = 0;
        long tokens = 0;
        string? lastCheckpoint = null;
        while (CompletedSteps < _options.Steps)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var started = clock.Elapsed;
            var (loss, rate, norm) = Step();
            stepTime += clock.Elapsed - started;
            stepsThisCall++;
            tokens += (long)_options.BatchSize * _data.ContextLength;
            bool last = CompletedSteps == _options.Steps;
            EvaluationResult? evaluation = null;
            if (_data.Validation.Count > 0 && (last || IsMultiple(_options.EvaluationInterval)))
            {
                evaluation = Evaluate();
                _evaluations.Add(evaluation);
            }
            string? checkpoint = null;
            if (_options.CheckpointDirectory is not null && (last || IsMultiple(_options.CheckpointInterval)))
                lastCheckpoint = checkpoint = SaveCheckpoint(_options.CheckpointDirectory);
            var elapsed = clock.Elapsed;
            var remaining = stepTime / stepsThisCall * (_options.Steps - CompletedSteps);
            progress?.Report(new TrainingProgress(CompletedSteps, _options.Steps, loss, rate, norm, tokens / Math.Max(elapsed.TotalSeconds, 1e-9),
                elapsed, remaining, evaluation, checkpoint));
        }
        var total = clock.Elapsed;
        return new TrainingResult(CompletedSteps, _losses.ToArray(), _evaluations.ToArray(), total, tokens / Math.Max(total.TotalSeconds, 1e-9), lastCheckpoint);
    }

    /// <summary>Evaluates the model on the validation sequences now (perplexity; KL to the target when distilling).</summary>
    /// <exception cref="InvalidOperationException">There is no validation set.</exception>
    public EvaluationResult Evaluate()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return ValidationEvaluator.Evaluate(Model, _data.Validation, _options.EvaluationSequences,
            _options.EvaluationBatchSize ?? _options.BatchSize, _objective, CompletedSteps);
    }

    /// <summary>Writes a training checkpoint of the current step under <paramref name="directory"/> and returns its folder.</summary>
    /// <exception cref="ArgumentException">The model carries no config (it was assembled by hand), so it cannot be saved.</exception>
    public string SaveCheckpoint(string directory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var state = new TrainerState
        {
            Step = CompletedSteps,
            Sampler = _sampler.State,
            Losses = _losses.ToArray(),
            Evaluations = _evaluations.ToArray(),
            Fingerprint = Fingerprint(),
        };
        return TrainingCheckpoint.Write(directory, Model, _optimizer, state);
    }

    /// <summary>One optimizer step: returns the batch's loss, the learning rate and the gradient norm before clipping.</summary>
    (double Loss, double Rate, double Norm) Step()
    {
        using var scope = NewDisposeScope();
        double rate = _schedule.RateAt(CompletedSteps);
        foreach (var group in _optimizer.ParamGroups) group.LearningRate = rate;
        var samplerBefore = _sampler.State;
        var batch = _data.Train.Batch(_sampler.Next(), Model.ParameterDevice);
        var inputs = batch.narrow(1, 0, _data.ContextLength);
        var targets = batch.narrow(1, 1, _data.ContextLength);
        Model.train();
        _optimizer.zero_grad();
        var loss = _objective.Loss(Model, inputs, targets);
        double value = loss.ToDouble();
        if (!double.IsFinite(value))
        {
            _sampler.Restore(samplerBefore);
            throw new InvalidOperationException($"The training loss became {value} at step {CompletedSteps + 1}; the model was not updated. Lower the learning rate or enable gradient clipping.");
        }
        loss.backward();
        double norm = nn.utils.clip_grad_norm_(_parameters, _options.GradientClipNorm ?? double.MaxValue);
        _optimizer.step();
        _losses.Add(value);
        CompletedSteps++;
        return (value, rate, norm);
    }

    void Restore(TrainerState state, string optimizerPath, string checkpoint)
    {
        var differences = TrainingFingerprint.Differences(state.Fingerprint, Fingerprint());
        if (differences.Count > 0)
            throw new InvalidOperationException($"Training checkpoint '{checkpoint}' was written by a run with other settings, so resuming would not continue its loss curve:"
                + string.Concat(differences.Select(d => Environment.NewLine + "  - " + d)));
        using (var stream = File.OpenRead(optimizerPath))
        using (var reader = new BinaryReader(stream, Encoding.UTF8))
        using (var scope = NewDisposeScope())
        {
            try
            {
                _optimizer.load_state_dict(reader);
            }
            catch (Exception error) when (error is not (OperationCanceledException or IOException and not EndOfStreamException))
            {
                // The reader's own message may quote the file's bytes as text; name the file and the kind of failure only.
                throw new InvalidDataException($"'{optimizerPath}' cannot be read as the optimizer state of this model ({error.GetType().Name}); " +
                    "it is corrupt or from another model: resume from an earlier checkpoint folder, or delete this one.", error);
            }
        }
        _sampler.Restore(state.Sampler);
        CompletedSteps = state.Step;
        _losses.AddRange(state.Losses);
        _evaluations.AddRange(state.Evaluations);
    }

    SortedDictionary<string, string> Fingerprint() => TrainingFingerprint.Of(_options, _data, _objective);

    bool IsMultiple(int? interval) => interval is int every && CompletedSteps % every == 0;

    /// <summary>Frees the optimizer state, and the model (with any adapters it loaded) when it was loaded by <see cref="Resume"/>.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _optimizer.Dispose();
        _ownedAdapters?.Dispose();
        if (_ownsModel) Model.Dispose();
    }
}
