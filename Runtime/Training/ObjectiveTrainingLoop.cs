using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Training;

/// <summary>
/// The optimization loop of the encoder and seq2seq trainers: AdamW with the <see cref="TrainingOptions"/> groups,
/// warmup-cosine schedule and gradient clipping (as <see cref="Trainer"/>), around a loss the trainer computes for
/// each step, with its evaluations at the options' interval and after the last step.
/// </summary>
internal sealed class ObjectiveTrainingLoop : IDisposable
{
    readonly nn.Module _model;
    readonly TrainingOptions _options;
    readonly WarmupCosineSchedule _schedule;
    readonly AdamW _optimizer;
    readonly IReadOnlyList<Parameter> _parameters;
    readonly List<double> _losses = [];
    readonly List<EvaluationResult> _evaluations = [];

    public ObjectiveTrainingLoop(nn.Module model, TrainingOptions options)
    {
        options.Validate();
        _model = model;
        _options = options;
        _schedule = options.Schedule();
        (_optimizer, _parameters) = OptimizerFactory.Create(model, options);
    }

    public int CompletedSteps { get; private set; }

    /// <summary>
    /// Trains to the options' step count: <paramref name="loss"/>(step) is the scalar loss of that step's batch (in a
    /// dispose scope the loop owns), <paramref name="tokens"/> the tokens one step reads, <paramref name="evaluate"/>
    /// the validation result after a step (null: no validation set).
    /// </summary>
    public TrainingResult Train(Func<int, Tensor> loss, long tokens, Func<int, EvaluationResult>? evaluate,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var stepTime = TimeSpan.Zero;
        int stepsThisCall = 0;
        long read = 0;
        while (CompletedSteps < _options.Steps)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var started = clock.Elapsed;
            var (value, rate, norm) = Step(loss);
            stepTime += clock.Elapsed - started;
            stepsThisCall++;
            read += tokens;
            bool last = CompletedSteps == _options.Steps;
            EvaluationResult? evaluation = null;
            if (evaluate is not null && (last || _options.EvaluationInterval is int every && CompletedSteps % every == 0))
            {
                evaluation = evaluate(CompletedSteps);
                _evaluations.Add(evaluation);
            }
            var elapsed = clock.Elapsed;
            var remaining = stepTime / stepsThisCall * (_options.Steps - CompletedSteps);
            progress?.Report(new TrainingProgress(CompletedSteps, _options.Steps, value, rate, norm, read / Math.Max(elapsed.TotalSeconds, 1e-9),
                elapsed, remaining, evaluation, null));
        }
        var total = clock.Elapsed;
        return new TrainingResult(CompletedSteps, _losses.ToArray(), _evaluations.ToArray(), total, read / Math.Max(total.TotalSeconds, 1e-9), null);
    }

    (double Loss, double Rate, double Norm) Step(Func<int, Tensor> lossOf)
    {
        using var scope = NewDisposeScope();
        double rate = _schedule.RateAt(CompletedSteps);
        foreach (var group in _optimizer.ParamGroups) group.LearningRate = rate;
        _model.train();
        _optimizer.zero_grad();
        var loss = lossOf(CompletedSteps);
        double value = loss.ToDouble();
        if (!double.IsFinite(value))
            throw new InvalidOperationException($"The training loss became {value} at step {CompletedSteps + 1}; the model was not updated. Lower the learning rate or enable gradient clipping.");
        loss.backward();
        double norm = nn.utils.clip_grad_norm_(_parameters, _options.GradientClipNorm ?? double.MaxValue);
        _optimizer.step();
        _losses.Add(value);
        CompletedSteps++;
        return (value, rate, norm);
    }

    public void Dispose() => _optimizer.Dispose();
}
