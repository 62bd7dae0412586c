namespace LinearDsl.Server;

/// <summary>An error reported to the client in OpenAI's shape: {"error": {"message", "type", "param", "code"}}.</summary>
internal sealed class ApiError(int status, string message, string type = "invalid_request_error", string? param = null, string? code = null) : Exception(message)
{
    public int Status { get; } = status;

    public string Type { get; } = type;

    public string? Param { get; } = param;

    public string? Code { get; } = code;

    public object Body => new { error = new { message = Message, type = Type, param = Param, code = Code } };

    public static ApiError Invalid(string message, string? param = null, string? code = null) => new(400, message, "invalid_request_error", param, code);
}
