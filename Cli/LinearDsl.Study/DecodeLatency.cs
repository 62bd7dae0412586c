using System.Text.Json.Serialization;
using LinearDsl.Runtime.Diagnostics;
using LinearDsl.Runtime.Modeling;
using static TorchSharp.torch;

namespace LinearDsl.Study;

/// <summary>Decode latency and state size of one variant at one context.</summary>
/// <param name="Context">Tokens in the state when timing starts.</param>
/// <param name="MsPerToken">Median milliseconds of one Step (batch 1).</param>
/// <param name="StateBytes">Bytes the committed tokens occupy in the state (KV cache or recurrent state), all layers.</param>
/// <param name="AllocatedBytes">Bytes allocated by the state's tensors, reserved capacity included.</param>
/// <param name="Samples">Timed steps.</param>
public sealed record DecodePoint(
    [property: JsonPropertyName("context")] int Context,
    [property: JsonPropertyName("ms_per_token")] double MsPerToken,
    [property: JsonPropertyName("state_bytes")] long StateBytes,
    [property: JsonPropertyName("allocated_bytes")] long AllocatedBytes,
    [property: JsonPropertyName("samples")] int Samples);

/// <summary>
/// Decode milliseconds per token of whole models at fixed contexts. Every model holds one state (batch 1), prefilled
/// with corpus text to each context in turn; at each context all models take their timed Steps in rotating blocks of
/// ten, so a slow moment of a shared machine falls on every model alike (as the kernel benchmarks do).
/// </summary>
public static class DecodeLatency
{
    const int BlockLength = 10;

    /// <summary>Measures every model at every context (ascending); returns the points per model key.</summary>
    /// <param name="models">The models, by key (all must decode).</param>
    /// <param name="stream">Corpus tokens to prefill with; repeated when shorter than the largest context.</param>
    /// <param name="contexts">Contexts in tokens.</param>
    /// <param name="warmup">Untimed steps at each context.</param>
    /// <param name="timed">Timed steps at each context.</param>
    /// <param name="status">Hears what is being measured.</param>
    public static Dictionary<string, List<DecodePoint>> Measure(IReadOnlyList<(string Key, CausalLanguageModel Model)> models, long[] stream,
        IReadOnlyList<int> contexts, int warmup, int timed, Action<string> status)
    {
        var results = models.ToDictionary(m => m.Key, _ => new List<DecodePoint>());
        if (models.Count == 0) return results;
        var states = new List<ModelState>();
        try
        {
            foreach (var (_, model) in models)
            {
                model.eval();
                states.Add(model.CreateState(1));
            }
            foreach (int context in contexts.Order())
            {
                var stateBytes = new long[models.Count];
                var allocated = new long[models.Count];
                for (int i = 0; i < models.Count; i++)
                {
                    status($"decode: prefilling {models[i].Key} to {context} tokens");
                    Prefill(models[i].Model, states[i], stream, context);
                    stateBytes[i] = states[i].StateBytes;
                    allocated[i] = states[i].AllocatedBytes;
                }
                status($"decode: timing {models.Count} models at {context} tokens");
                using var token = tensor(new[] { stream[context % stream.Length] }, [1, 1]);
                var samples = RoundRobinTimer.Time(warmup, timed, models.Select((m, i) => (Action)(() => m.Model.Step(token, states[i]))).ToList(), BlockLength);
                for (int i = 0; i < models.Count; i++)
                    results[models[i].Key].Add(new DecodePoint(context, Medians.Of(samples[i]), stateBytes[i], allocated[i], samples[i].Count));
            }
        }
        finally
        {
            foreach (var state in states) state.Dispose();
        }
        return results;
    }

    /// <summary>Feeds the state corpus tokens until it holds <paramref name="context"/> (nothing when it already holds more).</summary>
    static void Prefill(CausalLanguageModel model, ModelState state, long[] stream, int context)
    {
        const int Chunk = 2048;
        long position = state.Positions[0];
        while (position < context)
        {
            using var scope = NewDisposeScope();
            int length = (int)Math.Min(Chunk, context - position);
            var ids = new long[length];
            for (int i = 0; i < length; i++) ids[i] = stream[(position + i) % stream.Length];
            model.Prefill(tensor(ids, [1, length]), state);
            position += length;
        }
    }
}
