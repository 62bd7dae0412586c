namespace LinearDsl.Server;

/// <summary>A parsed and checked /v1/chat/completions or /v1/completions request.</summary>
internal sealed record CompletionRequest
{
    public required bool IsChat { get; init; }

    public string? Model { get; init; }

    /// <summary>The prompt text: the chat template's rendering of the messages, or the completion prompt.</summary>
    public required string Prompt { get; init; }

    public int? MaxTokens { get; init; }

    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    public IReadOnlyList<string> Stop { get; init; } = [];

    public long? Seed { get; init; }

    public bool Stream { get; init; }

    public bool IncludeUsage { get; init; }
}
