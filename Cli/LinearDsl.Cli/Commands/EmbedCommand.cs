using System.Text.Json;
using System.Text.Json.Serialization;
using LinearDsl.Runtime.Hosting;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>
/// <c>embed DIR TEXT...</c>: the pooled embedding of each text by an encoder checkpoint, as JSON
/// (<c>[{"text", "tokens", "embedding"}]</c>), printed or written to --out.
/// </summary>
public sealed class EmbedCommand(CliEnvironment environment) : AsyncCommand<EmbedSettings>
{
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public override async Task<int> ExecuteAsync(CommandContext context, EmbedSettings settings, CancellationToken cancellationToken)
    {
        var console = environment.Out;
        if (settings.Out is not null) OutputPaths.CheckFile(settings.Out, "--out");
        using var model = ArchitectureCheckpoints.LoadEncoder(settings.Directory, "DIR", "embed");
        var tokenizer = ArchitectureCheckpoints.EncoderTokenizer(settings.Tokenizer, model.Config, settings.Directory);
        for (int i = 0; i < settings.Texts.Length; i++)
        {
            int length = tokenizer.Encode(settings.Texts[i]).Length;
            if (length > model.Config.ContextLength)
                throw new CliException($"TEXT {i + 1} is {length} tokens, more than the encoder's context of {model.Config.ContextLength}; shorten it.");
        }
        using var generator = new LinearDslEmbeddingGenerator(model, tokenizer);
        var embeddings = await generator.GenerateAsync(settings.Texts, cancellationToken: cancellationToken);
        var rows = settings.Texts.Zip(embeddings).Select(pair => new EmbeddingRow(pair.First, tokenizer.Encode(pair.First).Length, pair.Second.Vector.ToArray())).ToList();
        if (settings.Out is null)
        {
            ConsoleText.WriteLine(console, JsonSerializer.Serialize(rows, Indented));
            return 0;
        }
        JsonFile.Write(settings.Out, rows, "--out");
        ConsoleText.WriteLine(console, $"wrote {settings.Out}: {rows.Count} embedding{(rows.Count == 1 ? "" : "s")} of {generator.Dimensions} dimensions");
        return 0;
    }

    /// <summary>One text's embedding in the JSON output.</summary>
    public sealed record EmbeddingRow(
        [property: JsonPropertyName("text")] string Text,
        [property: JsonPropertyName("tokens")] int Tokens,
        [property: JsonPropertyName("embedding")] float[] Embedding);
}
