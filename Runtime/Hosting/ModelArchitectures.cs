using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Hosting;

/// <summary>Names of the model kinds in messages ("an encoder (architecture \"encoder\")").</summary>
internal static class ModelArchitectures
{
    public static string Describe(ModelArchitecture architecture) => architecture switch
    {
        ModelArchitecture.Encoder => "an encoder (config.json architecture \"encoder\")",
        ModelArchitecture.Seq2Seq => "an encoder-decoder (config.json architecture \"seq2seq\")",
        _ => "a causal LM (config.json without an architecture)",
    };

    public static string Describe(object model) => Describe(model switch
    {
        EncoderModel => ModelArchitecture.Encoder,
        Seq2SeqModel => ModelArchitecture.Seq2Seq,
        _ => ModelArchitecture.CausalLM,
    });

    public static string Describe(Type type) => Describe(type == typeof(EncoderModel) ? ModelArchitecture.Encoder
        : type == typeof(Seq2SeqModel) ? ModelArchitecture.Seq2Seq : ModelArchitecture.CausalLM);
}
