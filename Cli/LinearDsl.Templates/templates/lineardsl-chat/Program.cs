using LinearDsl.Models;
using LinearDsl.Runtime.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);

// The bundled pair: a 6-layer augmented linear attention target and its distilled draft, decoded speculatively.
// Settings (tokenizer, speculation, generation defaults) come from the "LinearDsl" section of appsettings.json.
builder.Services.AddLinearDsl(builder.Configuration)
    .UseTargetModel(_ => BundledModels.LoadTarget())
    .UseDraftModel(_ => BundledModels.LoadDraft())
    .ChatClient.UseLogging();

using var host = builder.Build();
await host.StartAsync(); // validates the options and loads both models

var chat = host.Services.GetRequiredService<IChatClient>();
string prompt = args.Length > 0 ? string.Join(' ', args) : "And God said";
Console.Write(prompt);
await foreach (var update in chat.GetStreamingResponseAsync(prompt))
    Console.Write(update.Text);
Console.WriteLine();

await host.StopAsync();
