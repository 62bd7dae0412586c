using System.ComponentModel;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>Settings of <c>chat</c>.</summary>
public sealed class ChatSettings : DecodingSettings
{
    [CommandOption("--system <TEXT>")]
    [Description("Instructions sent as the system turn before the conversation. Default none.")]
    public string? System { get; set; }
}
