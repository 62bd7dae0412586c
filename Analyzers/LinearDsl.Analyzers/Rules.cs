using Microsoft.CodeAnalysis;

namespace LinearDsl.Analyzers
{
    /// <summary>The descriptors of every LinearDsl analyzer rule; each message names the offending setting or call and its value.</summary>
    internal static class Rules
    {
        public const string Category = "LinearDsl.Causality";

        public static readonly DiagnosticDescriptor ConvPadding = Create(DiagnosticIds.ConvPadding, DiagnosticSeverity.Error,
            "Convolution reads later tokens",
            "LinearAttention sets ConvPadding = {0}: with ConvTaps = {1} the depthwise conv reads {2} later token(s), so the model sees the tokens it is trained to predict; remove the setting to use ConvPadding.Causal",
            "ConvPadding.Centered is the paper's centred kernel without its mask, ConvPadding.Right reads only the future; a causal language model needs ConvPadding.Causal (the default).");

        public static readonly DiagnosticDescriptor CausalLocal = Create(DiagnosticIds.CausalLocal, DiagnosticSeverity.Error,
            "Local attention is not masked causally",
            "LinearAttention sets CausalLocal = false: the local attention reads the later tokens of each group, so the model sees the tokens it is trained to predict; remove the setting (the default is true)",
            "Without the causal mask inside a group, every token attends to its group's later tokens.");

        public static readonly DiagnosticDescriptor InclusiveGlobalPrefix = Create(DiagnosticIds.InclusiveGlobalPrefix, DiagnosticSeverity.Error,
            "Global term includes the query's own group",
            "LinearAttention sets InclusiveGlobalPrefix = true: the global term sums the query's own group, later tokens included; remove the setting so that it sums only complete earlier groups",
            "The global term must use the EXCLUSIVE prefix over groups (docs/method.md, section The mixers).");

        public static readonly DiagnosticDescriptor Bidirectional = Create(DiagnosticIds.Bidirectional, DiagnosticSeverity.Error,
            "Softmax attention is bidirectional",
            "SoftmaxAttention sets Bidirectional = true: every token attends to later tokens, so the model sees the tokens it is trained to predict; remove the setting (the default is causal)",
            "A causal language model needs causal attention in every layer.");

        public static readonly DiagnosticDescriptor CausalInEncoder = Create(DiagnosticIds.CausalInEncoder, DiagnosticSeverity.Info,
            "Causal setting in an encoder wastes context",
            "{0} makes each token of the encoder read only the tokens before it, which wastes the context after it; {1}",
            "An encoder reads the whole sequence at once, so a causal mask, a causal conv or a causal recurrence only hides context; keep it if a causal encoder is what you want.");

        public static readonly DiagnosticDescriptor LinearBidirectional = Create(DiagnosticIds.LinearBidirectional, DiagnosticSeverity.Error,
            "Linear attention is bidirectional",
            "LinearAttention sets Bidirectional = true: every token reads the sum over the whole sequence, later tokens included, so the model sees the tokens it is trained to predict; remove the setting (the default is causal)",
            "A causal language model or a seq2seq decoder needs causal attention in every layer; bidirectional linear attention belongs in an encoder.");

        public static readonly DiagnosticDescriptor NonCausalCustomMixer = Create(DiagnosticIds.NonCausalCustomMixer, DiagnosticSeverity.Error,
            "Non-causal custom mixer in a decoder",
            "'{0}' marks its ParallelCore [ForwardPass(Causal = false)], so each token reads later tokens, but this layer is in a decoder, which must be causal; use the mixer only in an encoder stack, or make its ParallelCore causal and remove Causal = false",
            "[ForwardPass(Causal = false)] declares a forward pass that reads the whole sequence: an encoder's layer.");

        public static readonly DiagnosticDescriptor InvalidForwardPass = Create(DiagnosticIds.InvalidForwardPass, DiagnosticSeverity.Error,
            "[ForwardPass] does not describe a tensor layout",
            "[ForwardPass] has {0}; give Rank >= 1 and a TimeDim in -Rank..Rank-1, or the causality checks of '{1}' cannot run",
            "TimeDim and Rank say which dimension of the method's tensors is time.");

        public static readonly DiagnosticDescriptor TimeReversed = Create(DiagnosticIds.TimeReversed, DiagnosticSeverity.Warning,
            "Time reversed or rotated",
            "'{0}' {1} along the time dimension ({2}), so position t reads later positions; process time in order, or suppress with a justification if dimension {2} is not time here",
            "A flip or roll along time moves later positions onto earlier ones.");

        public static readonly DiagnosticDescriptor ConvSeesFuture = Create(DiagnosticIds.ConvSeesFuture, DiagnosticSeverity.Warning,
            "Convolution over time reads later positions",
            "{0}, so output t reads later positions; pad K - 1 zeros on the left only (pad(x, new long[] {{ K - 1, 0 }})) or keep only the first T outputs",
            "A 1-D convolution slides over time; only left padding keeps it causal.");

        public static readonly DiagnosticDescriptor UnmaskedAttention = Create(DiagnosticIds.UnmaskedAttention, DiagnosticSeverity.Warning,
            "Attention without a causal mask",
            "{0}, so query t attends to later keys; {1}",
            "Attention scores must be masked (masked_fill of the future with -inf, or is_casual: true) before they are normalised.");

        public static readonly DiagnosticDescriptor ReductionOverTime = Create(DiagnosticIds.ReductionOverTime, DiagnosticSeverity.Warning,
            "Reduction over the whole time dimension",
            "'{0}' over the time dimension ({1}) mixes every position, later ones included, into its result; use a causal form (cumsum over time, a masked softmax) or reduce another dimension",
            "A sum, mean, max, sort or softmax over time lets each position see the whole sequence.");

        public static readonly DiagnosticDescriptor ReadsLaterPosition = Create(DiagnosticIds.ReadsLaterPosition, DiagnosticSeverity.Warning,
            "Reads a later position",
            "'{0}' reads index '{1}' along the time dimension ({2}), a position {3} step(s) later; read t or earlier",
            "An index of the form t + c with c > 0 along time reads the future.");

        static DiagnosticDescriptor Create(string id, DiagnosticSeverity severity, string title, string message, string description)
            => new DiagnosticDescriptor(id, title, message, Category, severity, isEnabledByDefault: true, description: description,
                helpLinkUri: DocsLink.BaseUrl + id + ".md");
    }
}
