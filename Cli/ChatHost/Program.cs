// A console host that wires LinearDsl through dependency injection and streams one chat reply.
//   dotnet run -c Release --project Cli/ChatHost
//   dotnet run -c Release --project Cli/ChatHost -- --ChatHost:Prompt "Hello"
using LinearDsl.Runtime.Hosting;
using LinearDsl.Runtime.Tokenization;
using LinearDsl.Samples.ChatHost;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;

// The content root stays the working directory, so relative checkpoint directories mean what they mean in a shell;
// the sample's appsettings.json is read from the program's folder, beneath everything else (environment, command line).
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args });
((IConfigurationBuilder)builder.Configuration).Sources.Insert(0, new JsonConfigurationSource
{
    Path = "appsettings.json",
    Optional = true,
    FileProvider = new PhysicalFileProvider(AppContext.BaseDirectory),
});
var linearDsl = builder.Services.AddLinearDsl(builder.Configuration);

// No trained model exists yet: without a checkpoint directory, tiny random models stand in for target and draft.
bool randomModels = string.IsNullOrWhiteSpace(builder.Configuration["LinearDsl:Target:CheckpointDirectory"]);
if (randomModels)
{
    int vocabulary = TextTokenizers.Create(builder.Configuration["LinearDsl:Tokenizer"] ?? ByteTokenizer.PlainName).VocabSize;
    linearDsl.UseTargetModel(_ => RandomModels.Target(vocabulary));
    if (string.IsNullOrWhiteSpace(builder.Configuration["LinearDsl:Draft:CheckpointDirectory"]))
        linearDsl.UseDraftModel(_ => RandomModels.Draft(vocabulary));
}

using var host = builder.Build();
try
{
    await host.StartAsync(); // validates the LinearDsl options and loads the models
}
catch (Microsoft.Extensions.Options.OptionsValidationException invalid)
{
    foreach (var failure in invalid.Failures) Console.Error.WriteLine($"error: {failure}");
    return 1;
}
catch (InvalidOperationException unreadable) when (unreadable.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
{
    // A setting that is not a number where one is needed (Generation:MaxNewTokens abc), found while binding.
    Console.Error.WriteLine($"error: {unreadable.Message} Give a value of that type.");
    return 1;
}
var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;

if (randomModels)
    Console.WriteLine("No checkpoint configured (LinearDsl:Target:CheckpointDirectory): using tiny RANDOM models, so the reply is noise.");
var chat = host.Services.GetRequiredService<IChatClient>();
var settings = builder.Configuration.GetSection("ChatHost");
List<ChatMessage> messages =
[
    new(ChatRole.System, settings["System"] ?? "You are a concise assistant."),
    new(ChatRole.User, settings["Prompt"] ?? "Hello!"),
];
Console.WriteLine($"user> {messages[1].Text}");
Console.Write("assistant> ");

var updates = new List<ChatResponseUpdate>();
try
{
    await foreach (var update in chat.GetStreamingResponseAsync(messages, cancellationToken: stopping))
    {
        Console.Write(Printable(update.Text));
        updates.Add(update);
    }
}
catch (OperationCanceledException)
{
    Console.WriteLine();
    Console.WriteLine("(cancelled)");
}
Console.WriteLine();

var response = updates.ToChatResponse();
Console.WriteLine($"finish reason: {response.FinishReason}; tokens: {response.Usage?.InputTokenCount} in, {response.Usage?.OutputTokenCount} out");
if (updates.LastOrDefault()?.RawRepresentation is TextGenerationResult result)
    Console.WriteLine($"decoding: {result.Statistics} (time to first token {result.Statistics.TimeToFirstToken?.TotalMilliseconds:F0} ms)");

await host.StopAsync();
return 0;

// Random models emit arbitrary bytes: show control characters (an escape sequence could reset the terminal) as dots.
static string Printable(string text) => string.Concat(text.Select(c => char.IsControl(c) && c != '\n' ? '·' : c));
