namespace LinearDsl.Runtime.Checkpoints.HuggingFace;

/// <summary>What each importer says about a Hugging Face model_type it does not load: which importer does, or why none can.</summary>
internal static class HuggingFaceFamilies
{
    /// <summary>
    /// BERT-family encoders normalise after each residual sum (post-LN), normalise the embeddings, add token-type
    /// embeddings and put a biased transform before the MLM decoder; LinearDsl's encoder blocks are pre-LN with a plain
    /// head, so no BERT checkpoint computes the same function there. Refused rather than loaded approximately.
    /// </summary>
    public static string BertRefusal(string modelType) =>
        $"model_type '{modelType}' (BERT-style) cannot be imported exactly: its layers normalise after each residual sum (post-LN) and its embeddings pass through their own LayerNorm, while LinearDsl's encoder blocks normalise before each sublayer (pre-LN); train a LinearDsl encoder instead (lineardsl train with an encoder config), or import a T5 checkpoint with HuggingFaceCheckpoint.LoadSeq2Seq";

    static readonly string[] BertTypes = ["bert", "roberta", "distilbert", "electra", "xlm-roberta", "camembert"];

    /// <summary>Whether <paramref name="modelType"/> is a BERT-style encoder.</summary>
    public static bool IsBert(string modelType) => BertTypes.Contains(modelType);

    /// <summary>The reason a causal-LM import refuses <paramref name="modelType"/>, or null when it is not an encoder or encoder-decoder.</summary>
    public static string? NotCausal(string modelType)
    {
        if (modelType is "t5" or "mt5") return $"model_type '{modelType}' is an encoder-decoder; load it with HuggingFaceCheckpoint.LoadSeq2Seq";
        if (IsBert(modelType)) return BertRefusal(modelType);
        return null;
    }

    /// <summary>Why the seq2seq import refuses <paramref name="modelType"/>.</summary>
    public static string NotSeq2Seq(string modelType)
    {
        if (modelType is "llama" or "gpt2") return $"model_type '{modelType}' is a causal LM, not an encoder-decoder; load it with HuggingFaceCheckpoint.Load";
        if (IsBert(modelType)) return BertRefusal(modelType);
        return $"model_type '{modelType}' is not supported as an encoder-decoder; supported are 't5' and 'mt5' (T5ForConditionalGeneration)";
    }
}
