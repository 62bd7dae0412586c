namespace LinearDsl.Runtime.Checkpoints.HuggingFace;

/// <summary>What each importer says about a Hugging Face model_type it does not load: which importer does, or why none can.</summary>
internal static class HuggingFaceFamilies
{
    /// <summary>BERT relatives whose layout differs from BERT's in ways the importer does not map.</summary>
    static readonly Dictionary<string, string> BertRelatives = new(StringComparer.Ordinal)
    {
        ["roberta"] = "its positions start at padding_idx + 1 and skip padding tokens",
        ["xlm-roberta"] = "its positions start at padding_idx + 1 and skip padding tokens",
        ["camembert"] = "its positions start at padding_idx + 1 and skip padding tokens",
        ["distilbert"] = "it names its tensors differently and has no token types",
        ["electra"] = "its embeddings are narrower than its hidden size and are projected up",
    };

    /// <summary>The reason a causal-LM import refuses <paramref name="modelType"/>, or null when it is not an encoder or encoder-decoder.</summary>
    public static string? NotCausal(string modelType)
    {
        if (modelType is "t5" or "mt5") return $"model_type '{modelType}' is an encoder-decoder; load it with HuggingFaceCheckpoint.LoadSeq2Seq";
        if (modelType == "bert") return $"model_type '{modelType}' is an encoder; load it with HuggingFaceCheckpoint.LoadEncoder";
        if (BertRelatives.TryGetValue(modelType, out var why)) return RelativeRefusal(modelType, why);
        return null;
    }

    /// <summary>Why the seq2seq import refuses <paramref name="modelType"/>.</summary>
    public static string NotSeq2Seq(string modelType)
    {
        if (modelType is "llama" or "gpt2") return $"model_type '{modelType}' is a causal LM, not an encoder-decoder; load it with HuggingFaceCheckpoint.Load";
        if (modelType == "bert") return $"model_type '{modelType}' is an encoder, not an encoder-decoder; load it with HuggingFaceCheckpoint.LoadEncoder";
        if (BertRelatives.TryGetValue(modelType, out var why)) return RelativeRefusal(modelType, why);
        return $"model_type '{modelType}' is not supported as an encoder-decoder; supported are 't5' and 'mt5' (T5ForConditionalGeneration)";
    }

    /// <summary>Why the encoder import refuses <paramref name="modelType"/>.</summary>
    public static string NotEncoder(string modelType)
    {
        if (modelType is "llama" or "gpt2") return $"model_type '{modelType}' is a causal LM, not an encoder; load it with HuggingFaceCheckpoint.Load";
        if (modelType is "t5" or "mt5") return $"model_type '{modelType}' is an encoder-decoder; load it with HuggingFaceCheckpoint.LoadSeq2Seq";
        if (BertRelatives.TryGetValue(modelType, out var why)) return RelativeRefusal(modelType, why);
        return $"model_type '{modelType}' is not supported as an encoder; supported is 'bert' (BertForMaskedLM, BertForPreTraining, BertModel)";
    }

    static string RelativeRefusal(string modelType, string why)
        => $"model_type '{modelType}' is BERT-style but cannot be imported exactly: {why}; only model_type 'bert' loads (HuggingFaceCheckpoint.LoadEncoder)";
}
