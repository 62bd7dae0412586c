using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Training;
using LinearDsl.Study;
using Spectre.Console;

namespace LinearDsl.Cli;

/// <summary>Shows the study's progress on the console as the other commands show theirs: spinners, the training display, plain lines.</summary>
sealed class StudyConsoleHost(IAnsiConsole console) : IStudyHost
{
    public void WriteLine(string line) => ConsoleText.WriteLine(console, line);

    public T Run<T>(string status, Func<Action<string>, T> work) => Spinner.Run(console, status, work);

    public TrainingResult Train(int steps, Func<IProgress<TrainingProgress>, TrainingResult> train) => TrainingDisplay.Run(console, steps, 0, train);

    /// <summary>"width 128, 4 layers, context 256, swiglu 344; augmented_linear, 2 heads of 64 (...)", in inspect's words.</summary>
    public string Describe(ModelConfig config)
    {
        string mixer = ArchitectureDescription.Mixer(config.Mixer, config.Width);
        if (config.Mixer.Augmented?.NonCausalSettings is string leak) mixer += $", NON-CAUSAL: {leak}";
        return $"width {config.Width}, {config.Layers} layers, context {config.ContextLength}, {JsonNames.Of(config.Mlp)} {config.MlpHidden}; {mixer}";
    }
}
