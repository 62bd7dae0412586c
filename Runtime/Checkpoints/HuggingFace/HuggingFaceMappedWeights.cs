using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Checkpoints.HuggingFace;

/// <summary>The stored tensors of one module tensor (concatenated by rows when several) and the factor it is scaled by.</summary>
internal sealed record MappedSource(IReadOnlyList<CheckpointTensor> Parts, double Scale = 1);

/// <summary>
/// Fills a model from a Hugging Face folder whose layout differs from the runtime's (T5, BERT): every module tensor
/// names its stored source(s), every stored tensor is either a source or explicitly set aside, and any difference is
/// reported all at once before a single weight is copied.
/// </summary>
internal static class HuggingFaceMappedWeights
{
    /// <summary>
    /// Copies the sources into <paramref name="model"/>'s state dict. <paramref name="setAside"/> names stored tensors
    /// the model does not take (tied copies, a pooler); <paramref name="check"/> then sees every stored tensor, to
    /// refuse set-aside copies that differ from what they repeat.
    /// </summary>
    /// <exception cref="CheckpointMismatchException">A source is missing or misshapen, or a stored tensor is neither used nor set aside.</exception>
    public static void Load(nn.Module model, HuggingFaceWeightFiles files, IReadOnlyDictionary<string, MappedSource> sources,
        Func<string, bool> setAside, Action<IReadOnlyDictionary<string, Tensor>>? check = null)
    {
        var expected = sources.Values.SelectMany(s => s.Parts).DistinctBy(p => p.Key).ToList();
        var found = files.Tensors.Where(t => !setAside(t.Key)).ToList();
        CheckpointMismatchException.ThrowIfDifferent(expected, found, files.Description);
        var expectedKeys = expected.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var (path, header) in files.Files) WeightsAgreement.ThrowIfNotFloat(header.Entries.Where(e => expectedKeys.Contains(e.Name)), path);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var stored = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (path, _) in files.Files)
        {
            foreach (var (key, tensor) in ReadFile(path)) stored[key] = tensor;
        }
        foreach (var (key, target) in model.state_dict())
        {
            var source = sources.TryGetValue(key, out var s) ? s : throw new InvalidOperationException(
                $"The importer has no source for the model tensor '{key}'; the runtime's layout changed without the importer.");
            var value = source.Parts.Count == 1 ? stored[source.Parts[0].Key] : cat(source.Parts.Select(p => stored[p.Key]).ToArray(), 0);
            value = value.to_type(target.dtype);
            if (source.Scale != 1) value = value.mul(source.Scale);
            target.copy_(value);
        }
        check?.Invoke(stored);
    }

    /// <summary>Whether the stored <paramref name="copy"/> holds exactly <paramref name="original"/>'s values.</summary>
    public static bool Repeats(Tensor copy, Tensor original)
        => copy.shape.SequenceEqual(original.shape) && copy.to_type(original.dtype).equal(original).all().item<bool>();

    public static Dictionary<string, Tensor> ReadFile(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return Safetensors.LoadStateDict(stream, leaveOpen: true);
        }
        catch (Exception error) when (error is not (IOException or UnauthorizedAccessException))
        {
            throw new InvalidDataException($"Checkpoint weights '{path}' cannot be read: {error.Message}", error);
        }
    }
}
