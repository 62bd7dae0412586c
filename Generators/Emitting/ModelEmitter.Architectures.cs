using LinearDsl.Generators.Model;

namespace LinearDsl.Generators.Emitting
{
    /// <summary>
    /// The parts of an encoder and of an encoder-decoder: their config settings, and a factory, save and load of
    /// their model types. They have no decode program: an encoder does not decode, and a seq2seq decoder steps with
    /// cross-attention, which the fused programs do not cover.
    /// </summary>
    internal static partial class ModelEmitter
    {
        const string Checkpoints = "global::LinearDsl.Runtime.Checkpoints.Checkpoint";

        /// <summary>The config settings of an encoder (mask token, pooling, norm placement, token types, head) or a seq2seq model (encoder stack, cross-attention, start token).</summary>
        static void WriteArchitectureConfig(IndentedWriter w, ModelSpec spec)
        {
            if (spec.Encoder is EncoderDecl encoder)
            {
                w.Line($"MaskTokenId = {encoder.MaskTokenId},");
                w.Line($"Pooling = global::LinearDsl.Pooling.{encoder.Pooling},");
                // Written only when not the default, so the Config of an encoder declared before these settings is unchanged.
                if (encoder.NormPlacement != "Pre") w.Line($"NormPlacement = global::LinearDsl.NormPlacement.{encoder.NormPlacement},");
                if (encoder.TokenTypes != 0) w.Line($"TokenTypes = {encoder.TokenTypes},");
                if (encoder.MlmHead != "Linear") w.Line($"MlmHead = global::LinearDsl.MlmHeadKind.{encoder.MlmHead},");
            }
            if (spec.Seq2Seq is Seq2SeqDecl seq2seq)
            {
                w.Open($"Encoder = new {Modeling}.EncoderStackConfig");
                w.Line($"Layers = {seq2seq.EncoderLayers},");
                WriteMixers(w, seq2seq.EncoderMixers);
                w.Close(",");
                var cross = seq2seq.CrossAttention;
                string featureMap = cross.FeatureMap is LinearDsl.Kinds.LinearFeatureMap map ? $", FeatureMap = global::LinearDsl.LinearFeatureMap.{map}" : "";
                w.Line($"CrossAttention = new {Modeling}.CrossAttentionSpec {{ Kind = global::LinearDsl.CrossAttentionKind.{cross.Kind}, Heads = {cross.Heads}, KvHeads = {cross.KvHeads}{featureMap} }},");
                w.Line($"DecoderStartTokenId = {seq2seq.DecoderStartTokenId},");
            }
        }

        /// <summary>Create, Save and Load of an encoder (EncoderModel) or a seq2seq model (Seq2SeqModel).</summary>
        static void WriteArchitectureMembers(IndentedWriter w, ModelSpec spec)
        {
            bool encoder = spec.Architecture == ModelArchitecture.Encoder;
            string model = Modeling + (encoder ? ".EncoderModel" : ".Seq2SeqModel");
            string what = encoder ? "encoder" : "encoder-decoder";
            // A model fits this class when its config is Config, the initialisation scale aside (it is not part of the architecture).
            const string Fits = "Config.Equals(model.Config with { InitializerRange = Config.InitializerRange })";

            w.Line($"/// <summary>Creates the {what} with freshly initialised weights (seeded, deterministic on the CPU).</summary>");
            w.Line($"public static {model} Create(ulong seed = 0, {Torch}.ScalarType dtype = {Torch}.ScalarType.Float32, {Torch}.Device? device = null)");
            w.Line($"    => {Modeling}.ModelFactory.{(encoder ? "CreateEncoder" : "CreateSeq2Seq")}(Config, seed, dtype, device);");
            w.Line();
            w.Line($"/// <summary>Saves weights (model.safetensors) and <see cref=\"Config\"/> (config.json) of an {what} of this architecture.</summary>");
            w.Open($"public static void Save({model} model, string directory)");
            w.Line("global::System.ArgumentNullException.ThrowIfNull(model);");
            w.Line($"if (!{Fits})");
            w.Line($"    throw new global::System.ArgumentException(\"This model was not built from {spec.ClassName}.Config; save it with the class that declares it, or with Checkpoint.Save.\", nameof(model));");
            w.Line($"{Checkpoints}.Save(model, directory);");
            w.Close();
            w.Line();
            w.Line($"/// <summary>Loads an {what} checkpoint saved for this architecture; a checkpoint of another architecture is refused.</summary>");
            w.Open($"public static {model} Load(string directory, {Torch}.ScalarType? dtype = null, {Torch}.Device? device = null)");
            w.Line($"{Local(spec, model)} model = {Checkpoints}.{(encoder ? "LoadEncoder" : "LoadSeq2Seq")}(directory, dtype, device);");
            w.Line($"if ({Fits}) return model;");
            w.Line("model.Dispose();");
            w.Line($"throw new global::System.IO.InvalidDataException($\"The checkpoint in '{{directory}}' was saved for a different architecture than {spec.ClassName}; compare its config.json with {spec.ClassName}.Config.\");");
            w.Close();
            WriteDraftTarget(w, spec);
        }
    }
}
