using LinearDsl.Study;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>
/// <c>study</c>: trains the paper's comparison of token mixers (softmax, four linear attentions, FLASH-style, the gated ones, the
/// augmented form, its ablations and a leaky conv) on one corpus with one budget and seed, measures each, and writes
/// study.json, study.md and PNG figures. With --encoders or --seq2seq it runs the encoder (masked-LM) or seq2seq
/// (span corruption) study instead and writes study-encoders.* or study-seq2seq.*. See docs/study.md. The study itself lives in LinearDsl.Study; this command
/// turns the options into <see cref="StudyOptions"/> and shows the progress.
/// </summary>
public sealed class StudyCommand(CliEnvironment environment) : Command<StudySettings>
{
    public override int Execute(CommandContext context, StudySettings settings, CancellationToken cancellationToken)
        => StudyCommandLine.Run(context, command =>
        {
            var host = new StudyConsoleHost(environment.Out);
            if (settings.Encoders) EncoderStudyRun.Execute(settings.ToEncoderOptions(command, environment.SearchRoots), host, cancellationToken);
            else if (settings.Seq2Seq) Seq2SeqStudyRun.Execute(settings.ToEncoderOptions(command, environment.SearchRoots), host, cancellationToken);
            else StudyRun.Execute(settings.ToOptions(command, environment.SearchRoots), host, cancellationToken);
        });
}
