using System.Text;
using Microsoft.Extensions.AI;

namespace LinearDsl.Runtime.Hosting;

/// <summary>
/// The plain-text chat template of <see cref="LinearDslChatClient"/>. Each turn is a marker line with its role, then the
/// message's text, then a newline; the prompt ends with the assistant's marker line, which the model continues:
/// <code>
/// &lt;|system|&gt;
/// You are terse.
/// &lt;|user|&gt;
/// Hi!
/// &lt;|assistant|&gt;
/// </code>
/// Instructions (<c>ChatOptions.Instructions</c>) come first as a system turn. A message's text is the text of its
/// <see cref="TextContent"/> items; other contents (images, function calls) are not rendered. The generated reply ends at
/// end of text or at the next turn marker (<see cref="TurnMarkers"/> are stop sequences of every chat request).
/// </summary>
public static class ChatPromptTemplate
{
    /// <summary>The markers of the system, user, assistant and tool turns: a reply that starts a new turn ends there.</summary>
    public static IReadOnlyList<string> TurnMarkers { get; } =
        [Marker(ChatRole.System), Marker(ChatRole.User), Marker(ChatRole.Assistant), Marker(ChatRole.Tool)];

    /// <summary>
    /// The stop sequences that end a reply: each turn marker, with and without the newline before it. That newline is
    /// the template's separator, not the reply's: the reply sent back in the next request renders with it again, so a
    /// cached conversation state (which saw the newline and the marker) continues where it was.
    /// </summary>
    public static IReadOnlyList<string> ReplyStopSequences { get; } = [.. TurnMarkers.SelectMany(m => new[] { "\n" + m, m })];

    /// <summary>The marker of a turn of <paramref name="role"/>: "&lt;|" + role + "|&gt;", e.g. "&lt;|user|&gt;".</summary>
    public static string Marker(ChatRole role) => $"<|{role.Value}|>";

    /// <summary>Renders <paramref name="messages"/> (after <paramref name="instructions"/>, if any) into a prompt that asks for the assistant's reply.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="messages"/> or one of them is null.</exception>
    public static string Render(IEnumerable<ChatMessage> messages, string? instructions = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var prompt = new StringBuilder();
        if (!string.IsNullOrEmpty(instructions)) AppendTurn(prompt, ChatRole.System, instructions);
        foreach (var message in messages)
        {
            if (message is null) throw new ArgumentNullException(nameof(messages), "A chat message is null.");
            AppendTurn(prompt, message.Role, message.Text);
        }
        return prompt.Append(Marker(ChatRole.Assistant)).Append('\n').ToString();
    }

    static void AppendTurn(StringBuilder prompt, ChatRole role, string text)
        => prompt.Append(Marker(role)).Append('\n').Append(text).Append('\n');
}
