using System.Collections.Generic;
using LinearDsl.Kinds;

namespace LinearDsl.Analyzers.Roles
{
    /// <summary>
    /// A part of a mixer that reads only earlier tokens, in an encoder where it could read the whole sequence: what it
    /// is, the named argument that sets it (null for the kind itself), and the bidirectional alternative (LDSL2010).
    /// </summary>
    internal sealed class CausalOnlySetting
    {
        public CausalOnlySetting(string what, string? argument, string alternative)
        {
            What = what;
            Argument = argument;
            Alternative = alternative;
        }

        public string What { get; }

        public string? Argument { get; }

        public string Alternative { get; }

        const string BidirectionalKinds = "[SoftmaxAttention(Bidirectional = true)] or [LinearAttention(FeatureMap = LinearFeatureMap.EluPlusOne, Bidirectional = true)]";

        /// <summary>
        /// The causal-only parts of <paramref name="options"/>, only those that take effect (the conv with more than one
        /// tap, local and global terms over groups of more than one token), mirroring MixerOptions.NonCausal: a kind
        /// with a bidirectional switch is causal-only exactly when NonCausal() lists nothing for that switch.
        /// </summary>
        public static IReadOnlyList<CausalOnlySetting> Of(MixerOptions options)
        {
            var found = new List<CausalOnlySetting>();
            switch (options)
            {
                case AugmentedLinearAttentionOptions a:
                    if (a.Conv && a.ConvTaps > 1 && a.ConvPadding == ConvPadding.Causal)
                        found.Add(new CausalOnlySetting("LinearAttention's causal conv (ConvPadding = ConvPadding.Causal)", "ConvPadding", "set ConvPadding = ConvPadding.Centered for a centred kernel"));
                    if (a.Local && a.GroupSize > 1 && a.CausalLocal)
                        found.Add(new CausalOnlySetting("LinearAttention's causally masked local attention (CausalLocal = true)", "CausalLocal", "set CausalLocal = false for a bidirectional local block"));
                    if (a.Global && a.GroupSize > 1 && !a.InclusiveGlobalPrefix)
                        found.Add(new CausalOnlySetting("LinearAttention's global term over earlier groups only (InclusiveGlobalPrefix = false)", "InclusiveGlobalPrefix", "set InclusiveGlobalPrefix = true to include each token's own group"));
                    break;
                case SoftmaxAttentionOptions s when s.NonCausal().Count == 0:
                    found.Add(new CausalOnlySetting("causal softmax attention (Bidirectional = false)", "Bidirectional", "set Bidirectional = true"));
                    break;
                case LinearAttentionOptions l when l.NonCausal().Count == 0:
                    found.Add(new CausalOnlySetting($"causal linear attention (FeatureMap = {l.FeatureMap}, Bidirectional = false)", "Bidirectional", "set Bidirectional = true"));
                    break;
                case GatedRecurrenceOptions _:
                case DeltaNetOptions _:
                    found.Add(new CausalOnlySetting($"{options.AttributeName()}, causal by construction,", null, "for a bidirectional layer use " + BidirectionalKinds));
                    break;
            }
            return found;
        }

        /// <summary>A user-defined mixer: it runs as written, and the framework treats it as causal.</summary>
        public static CausalOnlySetting CustomMixer(string typeName)
            => new CausalOnlySetting($"the custom mixer '{typeName}', run as a causal mixer,", null,
                "if its ParallelCore reads the whole sequence, mark that method [ForwardPass(Causal = false)]; otherwise a bidirectional layer is " + BidirectionalKinds);
    }
}
