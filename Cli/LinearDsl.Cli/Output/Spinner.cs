using Spectre.Console;

namespace LinearDsl.Cli;

/// <summary>A status spinner for long work, shown only on an interactive console (piped output stays clean).</summary>
public static class Spinner
{
    public static T Run<T>(IAnsiConsole console, string status, Func<Action<string>, T> work)
    {
        if (!console.Profile.Capabilities.Interactive) return work(_ => { });
        return console.Status().Start(status, context => work(text => context.Status(text)));
    }

    public static Task<T> RunAsync<T>(IAnsiConsole console, string status, Func<Task<T>> work)
    {
        if (!console.Profile.Capabilities.Interactive) return work();
        return console.Status().StartAsync(status, _ => work());
    }

    public static Task RunAsync(IAnsiConsole console, string status, Func<Task> work)
    {
        if (!console.Profile.Capabilities.Interactive) return work();
        return console.Status().StartAsync(status, _ => work());
    }

    public static Task RunAsync(IAnsiConsole console, string status, Func<Action<string>, Task> work)
    {
        if (!console.Profile.Capabilities.Interactive) return work(_ => { });
        return console.Status().StartAsync(status, context => work(text => context.Status(text)));
    }
}
