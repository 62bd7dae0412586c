using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Modeling;
using TorchSharp;

namespace LinearDsl.Models;

/// <summary>
/// The bundled pair that this package copies into the application's output: <see cref="AugLlama"/> trained on the
/// bundled corpus, and <see cref="AugLlamaDraft"/> distilled from it, ready for speculative decoding with the byte
/// tokenizer.
/// </summary>
public static class BundledModels
{
    /// <summary>The bundled target's checkpoint directory.</summary>
    public static string TargetDirectory => BundledCheckpoints.TargetDirectory;

    /// <summary>The bundled draft's checkpoint directory.</summary>
    public static string DraftDirectory => BundledCheckpoints.DraftDirectory;

    /// <summary>The corpus both were trained on (King James Version, public domain).</summary>
    public static string CorpusFile => BundledCheckpoints.CorpusFile;

    /// <summary>Loads the bundled target (in the checkpoint's dtype, float32, on the CPU unless told otherwise).</summary>
    public static CausalLanguageModel LoadTarget(torch.ScalarType? dtype = null, torch.Device? device = null)
        => AugLlama.Load(BundledCheckpoints.Resolve(BundledCheckpoints.Scheme + "target"), dtype, device);

    /// <summary>Loads the bundled draft (in the checkpoint's dtype, float32, on the CPU unless told otherwise).</summary>
    public static CausalLanguageModel LoadDraft(torch.ScalarType? dtype = null, torch.Device? device = null)
        => AugLlamaDraft.Load(BundledCheckpoints.Resolve(BundledCheckpoints.Scheme + "draft"), dtype, device);
}
