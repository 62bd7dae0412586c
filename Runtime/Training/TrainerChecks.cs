using LinearDsl.Runtime.Data;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Training;

/// <summary>Checks that a model, its data, the options and a distillation target fit together, with messages that say how to fix them.</summary>
internal static class TrainerChecks
{
    public static void ThrowIfUnfit(CausalLanguageModel model, CorpusSplit data, TrainingOptions options, DistillationOptions? distillation)
    {
        var problems = new List<string>();
        if (data.VocabSize > model.VocabSize)
            problems.Add($"the data's tokenizer has {data.VocabSize} ids but the model only {model.VocabSize}; use a model with vocab_size >= {data.VocabSize}");
        if (model.PositionTableLength is long rows && data.ContextLength > rows)
            problems.Add($"the data's context length {data.ContextLength} exceeds the model's learned position table of {rows} rows; pack the corpus with a context of at most {rows}");
        if (options.CheckpointDirectory is not null && model.Config is null)
            problems.Add("checkpoints need a model built from a ModelConfig (ModelFactory.Create, Checkpoint.Load or a generated model), but this one was assembled by hand");
        if (distillation is not null)
        {
            problems.AddRange(distillation.Problems());
            var target = distillation.Target;
            if (target is not null)
            {
                if (ReferenceEquals(target, model)) problems.Add("the distillation target is the model being trained; give a separate target model");
                if (target.VocabSize != model.VocabSize)
                    problems.Add($"the distillation target has {target.VocabSize} ids but the draft {model.VocabSize}; both need the same vocabulary");
                if (target.PositionTableLength is long targetRows && data.ContextLength > targetRows)
                    problems.Add($"the data's context length {data.ContextLength} exceeds the target's learned position table of {targetRows} rows");
                if (target.ParameterDevice.type != model.ParameterDevice.type)
                    problems.Add($"the target is on {target.ParameterDevice} but the draft on {model.ParameterDevice}; move them to one device");
            }
        }
        if (problems.Count > 0)
            throw new ArgumentException("Cannot train this model on this data:" + string.Concat(problems.Select(p => Environment.NewLine + "  - " + p)));
    }
}
