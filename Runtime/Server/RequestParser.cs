using System.Text.Json;
using LinearDsl.Runtime.Hosting;
using Microsoft.Extensions.AI;

namespace LinearDsl.Server;

/// <summary>Reads a request body into a <see cref="CompletionRequest"/>; every problem becomes a 400 <see cref="ApiError"/> naming the parameter.</summary>
internal static class RequestParser
{
    /// <summary>Most stop sequences a request may give (OpenAI's limit).</summary>
    public const int MaxStopSequences = 4;

    public static CompletionRequest Parse(ReadOnlyMemory<byte> body, bool chat, int maxCompletionTokens)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException error)
        {
            throw ApiError.Invalid($"The request body is not valid JSON ({error.Message}); send a JSON object.");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw ApiError.Invalid("The request body must be a JSON object.");
            if (Optional(root, "n") is { } n && (n.ValueKind != JsonValueKind.Number || !n.TryGetInt32(out int count) || count != 1))
                throw ApiError.Invalid("'n' must be 1: this server returns one choice per request.", "n");
            int? maxTokens = MaxTokens(root, "max_completion_tokens", maxCompletionTokens) ?? MaxTokens(root, "max_tokens", maxCompletionTokens);
            var options = Optional(root, "stream_options");
            if (options is { ValueKind: not JsonValueKind.Object }) throw ApiError.Invalid("'stream_options' must be an object.", "stream_options");
            return new CompletionRequest
            {
                IsChat = chat,
                Model = String(root, "model"),
                Prompt = chat ? RenderMessages(root) : CompletionPrompt(root),
                MaxTokens = maxTokens,
                Temperature = Number(root, "temperature", t => t >= 0 && t <= 100, "a number from 0 (greedy) to 100"),
                TopP = Number(root, "top_p", p => p > 0 && p <= 1, "a number in (0, 1]"),
                Stop = Stops(root),
                Seed = Seed(root),
                Stream = Bool(root, "stream") ?? false,
                IncludeUsage = options is { } o && Bool(o, "include_usage", "stream_options.include_usage") == true,
            };
        }
    }

    static JsonElement? Optional(JsonElement root, string name)
        => root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    static string? String(JsonElement root, string name)
    {
        if (Optional(root, name) is not { } value) return null;
        if (value.ValueKind != JsonValueKind.String) throw ApiError.Invalid($"'{name}' must be a string.", name);
        return value.GetString();
    }

    static bool? Bool(JsonElement root, string name, string? param = null)
    {
        if (Optional(root, name) is not { } value) return null;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw ApiError.Invalid($"'{param ?? name}' must be true or false.", param ?? name),
        };
    }

    static double? Number(JsonElement root, string name, Func<double, bool> valid, string expected)
    {
        if (Optional(root, name) is not { } value) return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double number) || !double.IsFinite(number) || !valid(number))
            throw ApiError.Invalid($"'{name}' is {value.GetRawText()}; it must be {expected}.", name);
        return number;
    }

    static int? MaxTokens(JsonElement root, string name, int limit)
    {
        if (Optional(root, name) is not { } value) return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out long tokens) || tokens < 1 || tokens > limit)
            throw ApiError.Invalid($"'{name}' is {value.GetRawText()}; it must be a whole number from 1 to {limit} (this server's limit).", name);
        return (int)tokens;
    }

    static long? Seed(JsonElement root)
    {
        if (Optional(root, "seed") is not { } value) return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out long seed))
            throw ApiError.Invalid($"'seed' is {value.GetRawText()}; it must be a whole number.", "seed");
        return seed;
    }

    static string[] Stops(JsonElement root)
    {
        if (Optional(root, "stop") is not { } value) return [];
        string[] stops = value.ValueKind switch
        {
            JsonValueKind.String => [value.GetString()!],
            JsonValueKind.Array when value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) => value.EnumerateArray().Select(e => e.GetString()!).ToArray(),
            _ => throw ApiError.Invalid("'stop' must be a string or an array of strings.", "stop"),
        };
        if (stops.Length > MaxStopSequences) throw ApiError.Invalid($"'stop' has {stops.Length} sequences; give at most {MaxStopSequences}.", "stop");
        if (stops.Any(s => s.Length == 0)) throw ApiError.Invalid("'stop' holds an empty string; every stop sequence needs at least one character.", "stop");
        return stops;
    }

    static string CompletionPrompt(JsonElement root)
    {
        if (Optional(root, "prompt") is not { } value) throw ApiError.Invalid("'prompt' is missing; give the text to continue.", "prompt");
        if (value.ValueKind == JsonValueKind.String) return value.GetString()!;
        if (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 1 && value[0].ValueKind == JsonValueKind.String) return value[0].GetString()!;
        throw ApiError.Invalid("'prompt' must be a string (or an array holding one string): this server completes one prompt per request.", "prompt");
    }

    static string RenderMessages(JsonElement root)
    {
        if (Optional(root, "messages") is not { ValueKind: JsonValueKind.Array } messages || messages.GetArrayLength() == 0)
            throw ApiError.Invalid("'messages' must be a non-empty array of {role, content} objects.", "messages");
        var list = new List<ChatMessage>();
        int index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            string param = $"messages[{index++}]";
            if (message.ValueKind != JsonValueKind.Object) throw ApiError.Invalid($"'{param}' must be an object with a role and a content.", param);
            string role = String(message, "role") ?? throw ApiError.Invalid($"'{param}.role' is missing.", $"{param}.role");
            if (role is not ("system" or "developer" or "user" or "assistant" or "tool"))
                throw ApiError.Invalid($"'{param}.role' is '{role}'; use system, developer, user, assistant or tool.", $"{param}.role");
            list.Add(new ChatMessage(new ChatRole(role == "developer" ? "system" : role), Content(message, param)));
        }
        return ChatPromptTemplate.Render(list);
    }

    static string Content(JsonElement message, string param)
    {
        if (Optional(message, "content") is not { } content) return string.Empty;
        if (content.ValueKind == JsonValueKind.String) return content.GetString()!;
        if (content.ValueKind != JsonValueKind.Array) throw ApiError.Invalid($"'{param}.content' must be a string or an array of text parts.", $"{param}.content");
        var text = new System.Text.StringBuilder();
        foreach (var part in content.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object || String(part, "type") != "text" || String(part, "text") is not { } piece)
                throw ApiError.Invalid($"'{param}.content' holds a part that is not {{\"type\": \"text\", \"text\": ...}}; this server reads text only.", $"{param}.content");
            text.Append(piece);
        }
        return text.ToString();
    }
}
