// The lineardsl command line: generate, chat, inspect, bench. See Cli/README.md.
using LinearDsl.Cli;

return await LineardslApp.RunAsync(args, CliEnvironment.FromSystemConsole());
