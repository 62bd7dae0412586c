using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Training;

namespace LinearDsl.Study;

/// <summary>What the study needs from the program that runs it: a place for its lines and its progress, and words for an architecture.</summary>
public interface IStudyHost
{
    /// <summary>Shows one line of progress or results.</summary>
    void WriteLine(string line);

    /// <summary>Runs long work under a status line, which the work may update.</summary>
    T Run<T>(string status, Func<Action<string>, T> work);

    /// <summary>Runs a training of <paramref name="steps"/> steps, showing its progress.</summary>
    TrainingResult Train(int steps, Func<IProgress<TrainingProgress>, TrainingResult> train);

    /// <summary>The architecture in words, as the report records it ("width 128, 4 layers, context 256, ...").</summary>
    string Describe(ModelConfig config);
}
