using System.Text.Json.Serialization;
using LinearDsl.Runtime.Data;
using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Study;

/// <summary>
/// Does the model predict as well when it generates as when it is scored teacher-forced? The same validation
/// sequences are scored twice: by <c>Forward</c> over each whole sequence (the training and validation loss), and
/// with every prediction made from the tokens before it only, as in generation: by the model's <c>Step</c> loop when it
/// has a decoding form, else (a non-causal model, which refuses to decode) by <c>Forward</c> over each prefix alone,
/// keeping the last position. A causal model gives the same loss both ways (to float error); a model whose parallel
/// form reads later tokens scores well teacher-forced and worse when it cannot see them.
/// </summary>
/// <param name="Method">"step" or "prefix-forward".</param>
/// <param name="Sequences">Validation sequences scored.</param>
/// <param name="Tokens">Predictions scored each way.</param>
/// <param name="TeacherForcedLoss">Mean NLL of Forward over whole sequences (nats per token).</param>
/// <param name="GenerationLoss">Mean NLL of the predictions made from the prefix alone (nats per token).</param>
public sealed record GenerationCheck(
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("sequences")] int Sequences,
    [property: JsonPropertyName("tokens")] long Tokens,
    [property: JsonPropertyName("teacher_forced_loss")] double TeacherForcedLoss,
    [property: JsonPropertyName("generation_loss")] double GenerationLoss)
{
    /// <summary>Largest |gap| (nats per token) that counts as "the same loss": far above float32 noise (about 1e-6), far below a leak.</summary>
    public const double ConsistencyTolerance = 1e-3;

    /// <summary>Generation loss minus teacher-forced loss.</summary>
    [JsonPropertyName("gap")] public double Gap => GenerationLoss - TeacherForcedLoss;

    /// <summary>True when the two losses agree within <see cref="ConsistencyTolerance"/>.</summary>
    [JsonPropertyName("consistent")] public bool Consistent => Math.Abs(Gap) <= ConsistencyTolerance;

    /// <summary>Scores the first <paramref name="count"/> validation sequences both ways.</summary>
    public static GenerationCheck Measure(CausalLanguageModel model, PackedSequences validation, int count)
    {
        count = Math.Min(count, validation.Count);
        if (count < 1) throw new StudyException("the corpus has no validation sequence for the generation check.");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        bool wasTraining = model.training;
        model.eval();
        try
        {
            var batch = validation.Batch(Enumerable.Range(0, count).ToArray(), model.ParameterDevice);
            long time = validation.ContextLength;
            var inputs = batch.narrow(1, 0, time);
            var targets = batch.narrow(1, 1, time);
            double teacherForced = LanguageModelLosses.NextTokenSum(model.Forward(inputs), targets).ToDouble();
            bool decodes = StudyDecoding.Refusal(model) is null;
            double generated = 0;
            if (decodes)
            {
                using var state = model.CreateState(count);
                for (long t = 0; t < time; t++)
                {
                    using var step = NewDisposeScope();
                    generated += LanguageModelLosses.NextTokenSum(model.Step(inputs.narrow(1, t, 1), state), targets.narrow(1, t, 1)).ToDouble();
                }
            }
            else
            {
                for (long t = 0; t < time; t++)
                {
                    using var step = NewDisposeScope();
                    var last = model.Forward(inputs.narrow(1, 0, t + 1)).narrow(1, t, 1);
                    generated += LanguageModelLosses.NextTokenSum(last, targets.narrow(1, t, 1)).ToDouble();
                }
            }
            long tokens = count * time;
            return new GenerationCheck(decodes ? "step" : "prefix-forward", count, tokens, teacherForced / tokens, generated / tokens);
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}

/// <summary>Decoding helpers shared by the study's measurements.</summary>
public static class StudyDecoding
{
    /// <summary>Why the model cannot decode (its <c>CreateState</c> refuses: a deliberately non-causal model), or null when it can.</summary>
    public static string? Refusal(CausalLanguageModel model)
    {
        try
        {
            using var state = model.CreateState(1);
            return null;
        }
        catch (NotSupportedException refusal)
        {
            return refusal.Message;
        }
    }

    /// <summary>
    /// <paramref name="count"/> greedy tokens after <paramref name="prompt"/>: plain decoding when the model decodes,
    /// else Forward over the whole text so far for every new token (what generating with a non-causal model means).
    /// </summary>
    public static IReadOnlyList<long> Greedy(CausalLanguageModel model, IReadOnlyList<long> prompt, int count)
    {
        if (Refusal(model) is null)
        {
            using var session = new PlainDecoder(model).Start([prompt], new GenerationOptions { MaxNewTokens = count, Sampling = SamplingOptions.Greedy });
            session.RunToEnd();
            return session.Generated[0].ToArray();
        }
        using var noGrad = no_grad();
        bool wasTraining = model.training;
        model.eval();
        try
        {
            var text = prompt.ToList();
            for (int i = 0; i < count; i++)
            {
                using var scope = NewDisposeScope();
                var logits = model.Forward(tensor(text.ToArray(), [1, text.Count]));
                text.Add(logits[0, text.Count - 1].argmax().item<long>());
            }
            return text.Skip(prompt.Count).ToArray();
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
