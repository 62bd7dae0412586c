using System.Text.Json.Serialization;
using LinearDsl.Runtime.Positional;

namespace LinearDsl.Runtime.Mixers;

/// <summary>The runtime's part of <see cref="MixerOptions"/> (the rest is shared with the generator and the analyzers).</summary>
public abstract partial record MixerOptions
{
    /// <summary>
    /// The settings that make this mixer read later tokens (<see cref="NonCausal"/>), as "Name = value" joined by
    /// ", ", or null when it is causal.
    /// </summary>
    [JsonIgnore]
    public string? NonCausalSettings => NonCausal() is { Count: > 0 } settings ? string.Join(", ", settings) : null;

    /// <summary>Throws an <see cref="ArgumentException"/> that names every problem (<see cref="Problems"/>), if there is any.</summary>
    public void Validate()
    {
        var problems = Problems();
        if (problems.Count > 0)
            throw new ArgumentException($"{GetType().Name}: " + string.Join(" ", problems.Select(p => p.ToString())), problems[0].Setting);
    }

    /// <summary>The mixer of one layer with these settings (head layout <paramref name="geometry"/>).</summary>
    internal abstract TokenMixer CreateMixer(MixerGeometry geometry, RotaryEmbedding? rotary, int contextLength);
}
