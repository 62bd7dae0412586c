using System.Globalization;
using System.Text;
using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Modeling;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Training;

/// <summary>
/// The layout of a training checkpoint: a folder step-NNNNNN under the checkpoint directory holding
/// <see cref="ModelDirectoryName"/>/ (a <see cref="Checkpoint"/>: config.json and model.safetensors),
/// <see cref="OptimizerFileName"/> (AdamW's moments and step counts, TorchSharp's optimizer format) and
/// <see cref="StateFileName"/> (step, batch sampler position, losses, evaluations and the settings' fingerprint).
/// The folder is written under a temporary name in the same directory and renamed into place, so a folder named
/// step-NNNNNN is always complete.
/// </summary>
public static partial class TrainingCheckpoint
{
    /// <summary>Sub-folder with the model's weights and config (loadable by <see cref="Checkpoint.Load"/>).</summary>
    public const string ModelDirectoryName = "model";

    /// <summary>Sub-folder with the run's LoRA adapters (<see cref="LoraAdapters.Save"/>), present only when the model had adapters; the model folder then holds the frozen weights.</summary>
    public const string AdaptersDirectoryName = "adapters";

    /// <summary>File with the optimizer state.</summary>
    public const string OptimizerFileName = "optimizer.bin";

    /// <summary>File with the trainer state.</summary>
    public const string StateFileName = "trainer.json";

    const string Prefix = "step-";

    /// <summary>The folder name of the checkpoint after <paramref name="step"/> steps, e.g. step-000100.</summary>
    public static string FolderName(int step) => Prefix + step.ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>The complete checkpoint with the most steps under <paramref name="directory"/>, or null when there is none.</summary>
    public static string? FindLatest(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory)) return null;
        string? best = null;
        long bestStep = -1;
        foreach (var folder in Directory.EnumerateDirectories(directory, Prefix + "*"))
        {
            string name = Path.GetFileName(folder);
            if (long.TryParse(name.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out long step) && step > bestStep
                && File.Exists(Path.Combine(folder, StateFileName)))
            {
                best = folder;
                bestStep = step;
            }
        }
        return best;
    }

    /// <summary>Writes a checkpoint folder for <paramref name="state"/> under <paramref name="directory"/> and returns its path.</summary>
    internal static string Write(string directory, CausalLanguageModel model, OptimizerHelper optimizer, TrainerState state)
    {
        Directory.CreateDirectory(directory);
        DeleteStaleTemporaries(directory);
        string target = Path.GetFullPath(Path.Combine(directory, FolderName(state.Step)));
        string temporary = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(temporary);
            using (var scope = NewDisposeScope())
            {
                Checkpoint.Save(model, Path.Combine(temporary, ModelDirectoryName));
                LoraAdapters.AttachedTo(model)?.Save(Path.Combine(temporary, AdaptersDirectoryName));
                using var stream = new FileStream(Path.Combine(temporary, OptimizerFileName), FileMode.CreateNew, FileAccess.Write, FileShare.None);
                using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true)) optimizer.save_state_dict(writer);
                stream.Flush(flushToDisk: true);
            }
            using (var stream = new FileStream(Path.Combine(temporary, StateFileName), FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(Encoding.UTF8.GetBytes(state.Serialize()));
                stream.Flush(flushToDisk: true);
            }
            ReplaceDirectory(temporary, target);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
        return target;
    }

    /// <summary>Checks that <paramref name="folder"/> holds every part of a training checkpoint.</summary>
    internal static void CheckComplete(string folder)
    {
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Training checkpoint '{folder}' does not exist.");
        foreach (var part in new[] { StateFileName, OptimizerFileName, Path.Combine(ModelDirectoryName, Checkpoint.ConfigFileName), Path.Combine(ModelDirectoryName, Checkpoint.WeightsFileName) })
        {
            string path = Path.Combine(folder, part);
            if (!File.Exists(path))
                throw new FileNotFoundException($"'{path}' is missing: a training checkpoint holds {ModelDirectoryName}/, {OptimizerFileName} and {StateFileName}, as the trainer writes them.", path);
        }
    }

    /// <summary>Moves <paramref name="source"/> to <paramref name="target"/>, replacing an existing folder (moved aside first, then deleted).</summary>
    static void ReplaceDirectory(string source, string target)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(source, target);
            return;
        }
        string aside = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.old");
        Directory.Move(target, aside);
        Directory.Move(source, target);
        TryDelete(aside);
    }

    /// <summary>
    /// Deletes the temporary and set-aside folders (<c>.step-N.GUID.tmp</c>, <c>.step-N.GUID.old</c>) that a killed
    /// run left under <paramref name="directory"/>. Only names of exactly that pattern, and only folders nothing was
    /// written into for a minute, so a run writing into the same folder right now keeps its own.
    /// </summary>
    internal static void DeleteStaleTemporaries(string directory)
    {
        if (!Directory.Exists(directory)) return;
        foreach (var folder in Directory.EnumerateDirectories(directory, ".step-*"))
        {
            if (StaleName().IsMatch(Path.GetFileName(folder)) && LastWrite(folder) < DateTime.UtcNow - StaleAfter) TryDelete(folder);
        }
    }

    /// <summary>How long a temporary folder must have been left alone before it counts as a killed run's.</summary>
    internal static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(1);

    static DateTime LastWrite(string folder)
    {
        var latest = Directory.GetLastWriteTimeUtc(folder);
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
            if (entry.LastWriteTimeUtc > latest) latest = entry.LastWriteTimeUtc;
        return latest;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\.step-\d+\.[0-9a-f]{32}\.(tmp|old)$")]
    private static partial System.Text.RegularExpressions.Regex StaleName();

    static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // The original error matters more than a temporary folder we could not remove.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
