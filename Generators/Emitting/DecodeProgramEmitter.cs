using System.Globalization;
using System.Linq;
using LinearDsl.Generators.Model;
using LinearDsl.Kinds;

namespace LinearDsl.Generators.Emitting
{
    /// <summary>
    /// Writes a declared model's decode step as straight-line code (a FusedDecodeProgram): each layer's norm, fused
    /// q/k/v projection, mixer, output projection and MLP in order, with the declared sizes and epsilons written in,
    /// so nothing branches on the configuration while a token is decoded.
    /// </summary>
    internal static class DecodeProgramEmitter
    {
        const string Fused = "global::LinearDsl.Runtime.Fused";

        public static void Write(IndentedWriter w, ModelSpec spec)
        {
            w.Line("/// <summary>Step and Verify of this architecture as straight-line code; <see cref=\"Create\"/> and <see cref=\"Load\"/> attach it to the model.</summary>");
            w.Line($"public static {Fused}.FusedDecodeProgram DecodeProgram {{ get; }} = new {spec.ProgramType}();");
            w.Line();
            w.Line("/// <summary>Lets Checkpoint.Load find <see cref=\"DecodeProgram\"/> for checkpoints of this architecture once this assembly is loaded.</summary>");
            w.Line("#pragma warning disable CA2255 // Registering a generated program is what a module initializer is for.");
            w.Line("[global::System.Runtime.CompilerServices.ModuleInitializer]");
            w.Line($"internal static void {spec.RegisterMethod}() => {Fused}.DecodePrograms.Register(DecodeProgram);");
            w.Line("#pragma warning restore CA2255");
            w.Line();
            w.Line("/// <summary>Every layer of the declaration in order, sizes written in (a row is one token).</summary>");
            w.Open($"sealed class {spec.ProgramType} : {Fused}.FusedDecodeProgram");
            w.Line($"public {spec.ProgramType}() : base({ModelEmitter.Id(spec.ClassName)}.Config) {{ }}");
            w.Line();
            w.Line("/// <inheritdoc />");
            w.Open($"protected override void Run<T>({Fused}.FusedFrame<T> f)");
            WriteBuffers(w, spec);
            w.Line();
            w.Line("f.Embed(x);");
            if (spec.Positions == "Learned") w.Line("f.AddPositions(x);");
            for (int layer = 0; layer < spec.Layers; layer++)
            {
                w.Line();
                WriteLayer(w, spec, layer);
            }
            w.Line();
            w.Line("// Output head");
            WriteNorm(w, spec, "f.FinalNorm()", "f.FinalNormBias()", "x", "h");
            w.Line("f.Linear(h, f.OutputHead(), f.Logits);");
            w.Close();
            w.Close();
        }

        static void WriteBuffers(IndentedWriter w, ModelSpec spec)
        {
            int maxProjection = spec.LayerMixers.Max(m => Projection(spec, m));
            int maxMixed = spec.LayerMixers.Max(m => m.Heads * HeadDim(spec, m));
            string span = ModelEmitter.Local(spec, "global::System.Span<T>");
            w.Line("// Scratch rows: the residual stream, its normed copy, the fused q/k/v projection, the mixer's output.");
            w.Line($"{span} x = f.Buffer({spec.Dim});");
            w.Line($"{span} h = f.Buffer({spec.Dim});");
            w.Line($"{span} qkv = f.Buffer({maxProjection});");
            w.Line($"{span} mixed = f.Buffer({maxMixed});");
            if (spec.Mlp == "SwiGlu")
            {
                w.Line($"{span} gate = f.Buffer({spec.MlpHidden});");
                w.Line($"{span} up = f.Buffer({spec.MlpHidden});");
            }
            else
            {
                w.Line($"{span} hidden = f.Buffer({spec.MlpHidden});");
            }
        }

        static void WriteLayer(IndentedWriter w, ModelSpec spec, int layer)
        {
            var mixer = spec.LayerMixers[layer];
            int width = Projection(spec, mixer), mixedWidth = mixer.Heads * HeadDim(spec, mixer);
            string qkv = width == spec.LayerMixers.Max(m => Projection(spec, m)) ? "qkv" : $"qkv.Slice(0, {width} * f.Rows)";
            string mixed = mixedWidth == spec.LayerMixers.Max(m => m.Heads * HeadDim(spec, m)) ? "mixed" : $"mixed.Slice(0, {mixedWidth} * f.Rows)";
            w.Line($"// Layer {layer}: {Describe(spec, mixer)}");
            WriteNorm(w, spec, $"f.InputNorm({layer})", $"f.InputNormBias({layer})", "x", "h");
            w.Line($"f.Linear(h, f.QkvWeight({layer}), {qkv});");
            w.Line(mixer.Options is AugmentedLinearAttentionOptions ? $"f.AugmentedMix({layer}, {qkv}, {mixed});" : $"f.Mix({layer}, {qkv}, {mixed});");
            w.Line($"f.LinearAdd({mixed}, f.OutputWeight({layer}), x);");
            WriteNorm(w, spec, $"f.PostAttentionNorm({layer})", $"f.PostAttentionNormBias({layer})", "x", "h");
            if (spec.Mlp == "SwiGlu")
            {
                w.Line($"f.Linear(h, f.GateWeight({layer}), gate);");
                w.Line($"f.Linear(h, f.UpWeight({layer}), up);");
                w.Line("f.SwiGlu(gate, up);");
                w.Line($"f.LinearAdd(gate, f.DownWeight({layer}), x);");
            }
            else
            {
                w.Line($"f.Linear(h, f.FcWeight({layer}), f.FcBias({layer}), hidden);");
                w.Line("f.Gelu(hidden);");
                w.Line($"f.LinearAdd(hidden, f.ProjWeight({layer}), f.ProjBias({layer}), x);");
            }
        }

        static void WriteNorm(IndentedWriter w, ModelSpec spec, string weight, string bias, string input, string output)
        {
            string eps = spec.NormEps.ToString("R", CultureInfo.InvariantCulture);
            w.Line(spec.Norm == "LayerNorm"
                ? $"f.LayerNorm({input}, {weight}, {bias}, {eps}, {output});"
                : $"f.RmsNorm({input}, {weight}, {eps}, {output});");
        }

        static int HeadDim(ModelSpec spec, MixerDecl mixer) => spec.Dim / mixer.Heads;

        static int Projection(ModelSpec spec, MixerDecl mixer) => (mixer.Heads + 2 * mixer.KvHeads) * HeadDim(spec, mixer);

        static string Describe(ModelSpec spec, MixerDecl m)
            => m.Options.Describe() + $", {m.Heads} heads of {spec.Dim / m.Heads}" + (m.KvHeads != m.Heads ? $", {m.KvHeads} KV heads" : "");
    }
}
