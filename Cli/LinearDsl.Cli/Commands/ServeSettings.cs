using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>Settings of <c>serve</c>; anything not given comes from configuration (appsettings.json, LinearDsl__... environment variables), then the defaults.</summary>
public sealed class ServeSettings : ModelPairSettings
{
    /// <summary>Where the server listens when neither --urls nor ASPNETCORE_URLS (nor "urls" in configuration) says.</summary>
    public const string DefaultUrls = "http://127.0.0.1:8080";

    [CommandOption("--urls <URLS>")]
    [Description("Addresses to listen on, separated by ';' (as ASP.NET Core's --urls). Default: ASPNETCORE_URLS, else " + DefaultUrls + " (loopback only; give http://0.0.0.0:8080 to listen on every interface).")]
    public string? Urls { get; set; }

    [CommandOption("--model-name <NAME>")]
    [Description("The model's name in /v1/models and in requests. Default: LinearDsl:ModelId from configuration, else lineardsl.")]
    public string? ModelName { get; set; }

    [CommandOption("--no-speculation")]
    [Description("Decode the target alone even when a draft is configured.")]
    public bool NoSpeculation { get; set; }

    [CommandOption("--api-key <KEY>")]
    [Description("Require \"Authorization: Bearer KEY\" on /v1 requests. Prefer the environment variable LinearDsl__Server__ApiKey, which other users cannot read from the process list. Default: no key.")]
    public string? ApiKey { get; set; }

    [CommandOption("--max-batch <N>")]
    [Description("Requests decoded side by side at most. Default 8.")]
    public int? MaxBatch { get; set; }

    [CommandOption("--max-queue <N>")]
    [Description("Requests waiting for a row at most; more are answered 429. Default 64.")]
    public int? MaxQueue { get; set; }

    [CommandOption("--state-cache-mb <MB>")]
    [Description("MiB of conversation states kept so that follow-up turns prefill only their new tokens; 0 turns the cache off. Default 256.")]
    public int? StateCacheMegabytes { get; set; }

    public override ValidationResult Validate()
    {
        var baseResult = base.Validate();
        if (!baseResult.Successful) return baseResult;
        if (MaxBatch is < 1) return ValidationResult.Error($"--max-batch must be at least 1 (got {MaxBatch}).");
        if (MaxQueue is < 0) return ValidationResult.Error($"--max-queue must be 0 or more (got {MaxQueue}).");
        if (StateCacheMegabytes is < 0 or > 1 << 20) return ValidationResult.Error($"--state-cache-mb must be between 0 and {1 << 20} (got {StateCacheMegabytes}).");
        if (ApiKey is { Length: 0 }) return ValidationResult.Error("--api-key is empty; give a key or leave the option out.");
        return ValidationResult.Success();
    }
}
