namespace LinearDsl.Cli;

/// <summary>Settings of <c>train</c>: next-token training from scratch (--config) or fine-tuning (--from).</summary>
public sealed class TrainSettings : TrainingSettings;
