using System.Globalization;
using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Modeling;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary><c>inspect DIR</c>: declared architecture, parameter count, checkpoint size and state bytes per token of context.</summary>
public sealed class InspectCommand(CliEnvironment environment) : Command<InspectSettings>
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public override int Execute(CommandContext context, InspectSettings settings, CancellationToken cancellationToken)
    {
        var console = environment.Out;
        string directory = settings.Directory;
        if (!Directory.Exists(directory)) throw new CliException($"checkpoint directory '{directory}' does not exist.");
        var config = ModelConfigJson.Read(Path.Combine(directory, Checkpoint.ConfigFileName));
        string weights = Path.Combine(directory, Checkpoint.WeightsFileName);
        if (!File.Exists(weights)) throw new CliException($"'{weights}' is missing: a checkpoint directory holds {Checkpoint.ConfigFileName} and {Checkpoint.WeightsFileName}.");

        int tokens = Math.Min(settings.Context, config.ContextLength);
        if (config.Architecture != ModelArchitecture.CausalLM) return InspectEncoderModel(console, directory, config, weights, tokens);
        var (parameters, growth) = Spinner.Run(console, $"Loading {directory}", status =>
        {
            using var model = Checkpoint.Load(directory);
            status($"Prefilling {tokens} tokens");
            long count = model.parameters().Sum(p => p.numel());
            return (count, StateGrowth.Measure(model, tokens));
        });

        Write(console, directory, config, weights, parameters,
        [
            ("state", $"{Bytes(growth.OneToken)} after 1 token, {Bytes(growth.NTokens)} after {growth.Tokens} tokens"),
            ("state per token", growth.IsConstant
                ? "0 B per token of context (constant size)"
                : string.Create(Invariant, $"{growth.BytesPerToken:F0} B per token of context (grows with the context)")),
        ]);
        return 0;
    }

    /// <summary>The checkpoint, its architecture, parameters and size on disk, then <paramref name="state"/>'s rows.</summary>
    static void Write(IAnsiConsole console, string directory, ModelConfig config, string weights, long parameters, IEnumerable<(string Name, string Value)> state)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        void Row(string name, string value) => grid.AddRow(new Text(name, new Style(decoration: Decoration.Bold)), new Text(value));
        Row("checkpoint", directory);
        foreach (var (name, value) in ArchitectureDescription.Lines(config)) Row(name, value);
        Row("parameters", parameters.ToString("N0", Invariant));
        Row("size on disk", Bytes(new FileInfo(weights).Length + new FileInfo(Path.Combine(directory, Checkpoint.ConfigFileName)).Length));
        foreach (var (name, value) in state) Row(name, value);
        console.Write(grid);
    }

    /// <summary>
    /// An encoder or a seq2seq model: its architecture and parameters, and what it keeps while decoding. An encoder
    /// keeps nothing (it reads its whole input at once); a seq2seq decoder reads the encoder's memory, measured for a
    /// source of half and of <paramref name="tokens"/> tokens (linear cross-attention keeps a constant-size sum).
    /// </summary>
    static int InspectEncoderModel(IAnsiConsole console, string directory, ModelConfig config, string weights, int tokens)
    {
        var (parameters, memory) = Spinner.Run(console, $"Loading {directory}", status =>
        {
            if (config.Architecture == ModelArchitecture.Encoder)
            {
                using var encoder = Checkpoint.LoadEncoder(directory);
                return (encoder.parameters().Sum(p => p.numel()), ((long Half, long Full)?)null);
            }
            using var model = Checkpoint.LoadSeq2Seq(directory);
            status($"Encoding {tokens} tokens");
            using var scope = TorchSharp.torch.NewDisposeScope();
            long Bytes(int length)
            {
                using var encoded = model.Encode(TorchSharp.torch.zeros([1, length], TorchSharp.torch.ScalarType.Int64));
                return encoded.Bytes;
            }
            return (model.parameters().Sum(p => p.numel()), (Bytes(Math.Max(1, tokens / 2)), Bytes(tokens)));
        });

        string state = memory is not { } m
            ? "none: an encoder reads its whole input at once and keeps nothing between calls"
            : $"{Bytes(m.Half)} for {Math.Max(1, tokens / 2)} source tokens, {Bytes(m.Full)} for {tokens}" + (m.Half == m.Full ? " (constant size)" : " (grows with the source)");
        Write(console, directory, config, weights, parameters, [(memory is null ? "state" : "encoder memory", state)]);
        return 0;
    }

    /// <summary>A byte count with a binary unit: "512 B", "12.3 KiB", "4.5 MiB".</summary>
    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => string.Create(Invariant, $"{bytes / 1024.0:F1} KiB ({bytes:N0} B)"),
        _ => string.Create(Invariant, $"{bytes / (1024.0 * 1024):F1} MiB ({bytes:N0} B)"),
    };
}
