using System.Text.Json.Serialization;

namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// The settings of encoders and encoder-decoders. Every one is written to config.json only when the architecture is
/// not a causal LM, so a causal LM's file is the same as before these models existed.
/// </summary>
public sealed partial record ModelConfig
{
    Pooling? _pooling;
    int? _decoderStartTokenId;

    /// <summary>
    /// What the config describes. Default <see cref="ModelArchitecture.CausalLM"/>. For an encoder the top-level
    /// <see cref="Layers"/>, <see cref="Mixer"/> and <see cref="LayerMixers"/> describe the encoder stack; for a
    /// seq2seq model they describe the decoder stack and <see cref="Encoder"/> the encoder stack.
    /// </summary>
    [JsonPropertyOrder(1)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ModelArchitecture Architecture { get; init; }

    /// <summary>How an encoder pools its hidden states (<see cref="EncoderModel.Embed"/>). Default mean; encoders only.</summary>
    [JsonIgnore]
    public Pooling Pooling
    {
        get => _pooling ?? Pooling.Mean;
        init => _pooling = value;
    }

    /// <summary>"pooling" in config.json: always written for an encoder, never for anything else.</summary>
    [JsonInclude, JsonPropertyName("pooling"), JsonPropertyOrder(1)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    internal Pooling? PoolingInConfig
    {
        get => Architecture == ModelArchitecture.Encoder ? Pooling : _pooling;
        init => _pooling = value;
    }

    /// <summary>
    /// The id the masked-language-model objective writes over masked tokens; required for an encoder, and only there.
    /// The byte tokenizer uses 0..255, so a byte encoder has vocab_size 257 and mask_token_id 256.
    /// </summary>
    [JsonPropertyOrder(1)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? MaskTokenId { get; init; }

    /// <summary>Where an encoder's blocks normalise. Default <see cref="NormPlacement.Pre"/>; <see cref="NormPlacement.Post"/> is for encoders only.</summary>
    [JsonPropertyOrder(1)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public NormPlacement NormPlacement { get; init; }

    /// <summary>
    /// Number of token types (segments) an encoder embeds (embed_token_types, BERT's type_vocab_size); default 0, none.
    /// Encoders only. Inputs without types are type 0.
    /// </summary>
    [JsonPropertyOrder(1)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int TokenTypes { get; init; }

    /// <summary>An encoder's masked-language-model head. Default <see cref="MlmHeadKind.Linear"/>; encoders only.</summary>
    [JsonPropertyOrder(1)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public MlmHeadKind MlmHead { get; init; }

    /// <summary>The encoder stack of a seq2seq model (required there, and only there).</summary>
    [JsonPropertyOrder(1)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public EncoderStackConfig? Encoder { get; init; }

    /// <summary>The cross-attention of every decoder block of a seq2seq model (required there, and only there).</summary>
    [JsonPropertyOrder(1)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public CrossAttentionSpec? CrossAttention { get; init; }

    /// <summary>The token a seq2seq decoder starts from (its first input). Default 0; seq2seq models only.</summary>
    [JsonIgnore]
    public int DecoderStartTokenId
    {
        get => _decoderStartTokenId ?? 0;
        init => _decoderStartTokenId = value;
    }

    /// <summary>"decoder_start_token_id" in config.json: always written for a seq2seq model, never for anything else.</summary>
    [JsonInclude, JsonPropertyName("decoder_start_token_id"), JsonPropertyOrder(1)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    internal int? DecoderStartTokenIdInConfig
    {
        get => Architecture == ModelArchitecture.Seq2Seq ? DecoderStartTokenId : _decoderStartTokenId;
        init => _decoderStartTokenId = value;
    }

    bool SameEncoderSettings(ModelConfig other)
        => Architecture == other.Architecture && PoolingInConfig == other.PoolingInConfig && MaskTokenId == other.MaskTokenId
            && Equals(Encoder, other.Encoder) && Equals(CrossAttention, other.CrossAttention) && DecoderStartTokenIdInConfig == other.DecoderStartTokenIdInConfig
            && NormPlacement == other.NormPlacement && TokenTypes == other.TokenTypes && MlmHead == other.MlmHead;

    /// <summary>The problems of the architecture's own settings, and of settings that belong to another architecture.</summary>
    void ArchitectureProblems(List<string> problems)
    {
        if (!Enum.IsDefined(Architecture))
        {
            problems.Add($"architecture {(int)Architecture} is not known; use causal_lm (or leave it out), encoder or seq2seq.");
            return;
        }
        string name = Architecture switch { ModelArchitecture.Encoder => "an encoder", ModelArchitecture.Seq2Seq => "a seq2seq model", _ => "a causal LM" };
        void NotHere(bool given, string key, string owner)
        {
            if (given) problems.Add($"{key} applies to {owner} only, but this config describes {name}; remove it or set architecture.");
        }
        bool encoder = Architecture == ModelArchitecture.Encoder, seq2seq = Architecture == ModelArchitecture.Seq2Seq;
        if (!encoder)
        {
            NotHere(_pooling is not null, "pooling", "encoders");
            NotHere(MaskTokenId is not null, "mask_token_id", "encoders");
            NotHere(NormPlacement != NormPlacement.Pre, "norm_placement post", "encoders");
            NotHere(TokenTypes != 0, "token_types", "encoders");
            NotHere(MlmHead != MlmHeadKind.Linear, "mlm_head", "encoders");
        }
        if (Architecture == ModelArchitecture.CausalLM && Enum.IsDefined(Mlp) && !Modeling.Mlp.Decodable(Mlp))
            problems.Add($"mlp {JsonNames.Of(Mlp)} serves encoders and seq2seq models only; a causal LM's fused decode program runs swiglu or gelu, so use one of those.");
        if (!seq2seq)
        {
            NotHere(Encoder is not null, "encoder", "seq2seq models");
            NotHere(CrossAttention is not null, "cross_attention", "seq2seq models");
            NotHere(_decoderStartTokenId is not null, "decoder_start_token_id", "seq2seq models");
        }
        if (Architecture != ModelArchitecture.CausalLM && MedusaHeads is not null)
            problems.Add($"medusa_heads apply to causal LMs only, but this config describes {name}; remove them.");
        if (encoder)
        {
            if (MaskTokenId is not int mask) problems.Add("mask_token_id is missing: an encoder needs the id its masked-LM objective writes over masked tokens (a byte encoder: vocab_size 257, mask_token_id 256).");
            else if (mask < 0 || (VocabSize > 0 && mask >= VocabSize)) problems.Add($"mask_token_id {mask} is not a token id of the vocabulary 0..{VocabSize - 1}; use an id below vocab_size.");
            if (!Enum.IsDefined(Pooling)) problems.Add($"pooling {(int)Pooling} is not known; use mean or first.");
            if (!Enum.IsDefined(NormPlacement)) problems.Add($"norm_placement {(int)NormPlacement} is not known; use pre or post.");
            if (TokenTypes < 0) problems.Add($"token_types must be 0 (none) or positive, got {TokenTypes}.");
            if (!Enum.IsDefined(MlmHead)) problems.Add($"mlm_head {(int)MlmHead} is not known; use linear, transform or none.");
            else if (MlmHead == MlmHeadKind.Transform && Norm != NormKind.LayerNorm)
                problems.Add("mlm_head transform normalises with a layer norm (BERT's head), but norm is rms_norm; set norm to layer_norm or use mlm_head linear.");
        }
        if (seq2seq)
        {
            if (DecoderStartTokenId < 0 || (VocabSize > 0 && DecoderStartTokenId >= VocabSize))
                problems.Add($"decoder_start_token_id {DecoderStartTokenId} is not a token id of the vocabulary 0..{VocabSize - 1}; use an id below vocab_size.");
            if (CrossAttention is null) problems.Add("cross_attention is missing: a seq2seq model needs its decoder's cross-attention, e.g. { \"kind\": \"softmax\", \"heads\": 4, \"kv_heads\": 4 }.");
            else problems.AddRange(CrossAttention.Problems(Width));
            if (Encoder is null)
            {
                problems.Add("encoder is missing: a seq2seq model needs its encoder stack, e.g. { \"layers\": 2, \"mixer\": { ... } }.");
            }
            else
            {
                Positive(problems, "encoder.layers", Encoder.Layers);
                if (Encoder.Mixer is null) problems.Add("encoder.mixer is missing: the encoder stack needs the mixer of its layers.");
                else MixerProblems(problems, "encoder.mixer", Encoder.Mixer);
                if (Encoder.LayerMixers is null) problems.Add("encoder.layer_mixers must be an object (possibly empty), not null.");
                else
                {
                    foreach (var (layer, spec) in Encoder.LayerMixers)
                    {
                        string where = $"encoder.layer_mixers[{layer}]";
                        if (layer < 0 || layer >= Encoder.Layers) problems.Add($"{where} overrides layer {layer}, but the encoder has layers 0..{Encoder.Layers - 1}.");
                        if (spec is null) problems.Add($"{where} is null; remove the entry to use the encoder's default mixer.");
                        else MixerProblems(problems, where, spec);
                    }
                }
            }
            // The decoder decodes (Step, Verify, Commit): its mixers must be causal.
            foreach (var (where, spec) in DecoderMixers())
            {
                if (spec?.Options?.NonCausal() is { Count: > 0 } settings)
                    problems.Add($"{where} is the decoder's and reads later tokens ({string.Join(", ", settings)}); a seq2seq decoder must be causal: remove the setting (non-causal settings belong in the encoder).");
            }
        }
    }

    IEnumerable<(string Where, MixerSpec? Spec)> DecoderMixers()
    {
        yield return ("mixer", Mixer);
        foreach (var (layer, spec) in LayerMixers ?? new Dictionary<int, MixerSpec>()) yield return ($"layer_mixers[{layer}]", spec);
    }
}
