namespace LinearDsl.Runtime.Hosting;

/// <summary>Why a text generation ended.</summary>
public enum TextFinishReason
{
    /// <summary>It generated the request's maximum number of new tokens.</summary>
    Length,

    /// <summary>The model generated the tokenizer's end-of-text token (its text is not part of the output).</summary>
    EndOfText,

    /// <summary>The text reached a stop sequence (the output ends just before it).</summary>
    StopSequence,
}
