using System;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace LinearDsl.Analyzers.Roles
{
    /// <summary>
    /// Which stacks a mixer attribute serves, read from the model attribute next to it and the mixer's Stack: a causal
    /// LM's layers (and a class without a model attribute) are a decoder; an [EncoderModel]'s are an encoder; on a
    /// [Seq2SeqModel], Stack = Encoder or Decoder picks one and the default (All) serves both. A Stack on a model with one
    /// stack does not change its role (the generator reports it).
    /// </summary>
    internal readonly struct MixerRole
    {
        MixerRole(bool inEncoder, bool inDecoder, bool bothStacks)
        {
            InEncoder = inEncoder;
            InDecoder = inDecoder;
            BothStacks = bothStacks;
        }

        /// <summary>The mixer runs in an encoder stack, where every token may read the whole sequence.</summary>
        public bool InEncoder { get; }

        /// <summary>The mixer runs in a decoder stack (a causal LM's or a seq2seq decoder's), which must be causal.</summary>
        public bool InDecoder { get; }

        /// <summary>A seq2seq mixer without a Stack: it serves the encoder and the decoder.</summary>
        public bool BothStacks { get; }

        // ModelStack's values (Abstractions/ModelStack.cs), read as the attribute's integer.
        const int EncoderStack = 1, DecoderStack = 2;

        /// <summary>The model attribute among a class's <paramref name="attributes"/>: [CausalLM], [EncoderModel] or [Seq2SeqModel].</summary>
        public static AttributeData? ModelAttribute(System.Collections.Generic.IEnumerable<AttributeData> attributes)
            => attributes.FirstOrDefault(a => a.AttributeClass!.Name == "CausalLMAttribute" || a.AttributeClass.Name == "EncoderModelAttribute" || a.AttributeClass.Name == "Seq2SeqModelAttribute");

        public static MixerRole Of(AttributeData? model, AttributeData mixer)
        {
            switch (model?.AttributeClass?.Name)
            {
                case "EncoderModelAttribute":
                    return new MixerRole(inEncoder: true, inDecoder: false, bothStacks: false);
                case "Seq2SeqModelAttribute":
                    int stack = mixer.NamedArguments.FirstOrDefault(p => p.Key == "Stack").Value.Value is int s ? s : 0;
                    return stack == EncoderStack ? new MixerRole(true, false, false)
                        : stack == DecoderStack ? new MixerRole(false, true, false)
                        : new MixerRole(true, true, true);
                default:
                    return new MixerRole(inEncoder: false, inDecoder: true, bothStacks: false);
            }
        }

        /// <summary>The context length the model declares (0 when missing), which sizes the groups of [LinearAttention].</summary>
        public static int ContextLength(AttributeData? model)
            => model?.NamedArguments.FirstOrDefault(p => string.Equals(p.Key, "ContextLength", StringComparison.Ordinal)).Value.Value is int n ? n : 0;
    }
}
