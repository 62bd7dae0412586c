// The lineardsl command line: generate, chat, inspect, bench, train, distill-draft, eval, check-causality, study. See Cli/README.md.
using LinearDsl.Cli;

// Ctrl+C cancels the request after the current decoding round or prefill block (the error line then says "cancelled.").
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};
return await LineardslApp.RunAsync(args, CliEnvironment.FromSystemConsole(), cancellation.Token);
