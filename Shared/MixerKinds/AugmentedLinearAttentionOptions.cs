// Shared source (see MixerOptions.cs).
using System;
using System.Collections.Generic;
using System.Globalization;

#if LINEARDSL_ROSLYN
namespace LinearDsl.Kinds
#else
namespace LinearDsl.Runtime.Mixers
#endif
{
    /// <summary>
    /// Settings of the augmented linear attention (docs/method.md, "Augmented linear attention"), declared with
    /// <c>[LinearAttention]</c> and the L2 feature map (the default): local ReLU^2 attention inside causal groups, alpha
    /// times a global term over complete earlier groups, a causal depthwise conv over V. Kind "augmented_linear".
    /// </summary>
    /// <remarks>
    /// <para><b>Gated global term</b> (<see cref="Gate"/> = <see cref="GateKind.Gla"/>). The global state decays per key
    /// dimension with GLA's data-dependent gates, computed from the token's key (a mixer sees only q, k, v):
    /// log a_t = logsigmoid(k_t W_g + b_g) / <see cref="GateTemperature"/>, W_g [d, d] and b_g [d] per KV head.
    /// The gated state is S_t = diag(a_t) S_{t-1} + k^_t v_t^T. A token t of the group that starts at s reads
    /// S_{s-1}, the state at the end of the last complete group, decayed from the group boundary to t by its own
    /// group's gates: global_t = (q^_t * exp(c_t)) S_{s-1} with c_t = sum of log a_u over s &lt;= u &lt;= t. Every
    /// gate it uses belongs to a token at or before t, so the gate changes nothing about causality, and the
    /// parallel form, Step and Verify + Commit compute this same value. With <see cref="InclusiveGlobalPrefix"/>
    /// (a deliberate leak, parallel form only) a token reads the state at the end of its own group instead.</para>
    /// <para>Numerical care: decays stay in log space. Inside a group the parallel form takes cumulative sums c of
    /// log a (never cumulative products), and every exponent it takes is a difference c_later - c_earlier &lt;= 0,
    /// masked to 0 BEFORE exp wherever the pair is not causal, so nothing overflows and masked pairs cannot make
    /// NaN gradients. Across groups the state is passed group by group (one state update per group, never per
    /// token); the exponents stay bounded by one group's length.</para>
    /// <para>Initialisation: W_g = 0 and b_g = logit(0.99^tau), so every gate starts at 0.99 per token (a memory of
    /// about 100 tokens, near 1 as GLA starts) and learns its dependence on the key.</para>
    /// </remarks>
    public sealed partial record AugmentedLinearAttentionOptions : MixerOptions
    {
        const int DefaultGroupSize = 64;
        static readonly string[] Paddings = { "Causal", "Centered", "Right" };

        /// <summary>Tokens per group G: local attention stays inside a group; earlier groups enter the global term. Default 64.</summary>
        public int GroupSize { get; init; } = DefaultGroupSize;

        /// <summary>Local ReLU^2 attention inside causal groups. Default on.</summary>
        public bool Local { get; init; } = true;

        /// <summary>Grouped global linear term over the EXCLUSIVE prefix of complete groups, scaled by alpha. Default on.</summary>
        public bool Global { get; init; } = true;

        /// <summary>Causal depthwise convolution over V. Default on.</summary>
        public bool Conv { get; init; } = true;

        /// <summary>Taps of the causal convolution, including the current token. Default 32 (the paper's effective size).</summary>
        public int ConvTaps { get; init; } = 32;

        /// <summary>Initial alpha. Default 0, so a converted softmax model starts as "local only", as the paper does.</summary>
        public double AlphaInit { get; init; }

        /// <summary>Lower bound of the norm in the L2 feature map. Default 1e-6.</summary>
        public double FeatureEps { get; init; } = 1e-6;

        /// <summary>
        /// Where the conv taps sit in time. Default <see cref="ConvPadding.Causal"/>. The others read later tokens
        /// (information leakage) and leave the mixer with its parallel form only.
        /// </summary>
        public ConvPadding ConvPadding { get; init; }

        /// <summary>
        /// Mask the local ReLU^2 attention causally inside a group. Default true. False lets a token see the later tokens of
        /// its group (information leakage) and leaves the mixer with its parallel form only. With groups of one token
        /// the block is the token itself and the mask changes nothing.
        /// </summary>
        public bool CausalLocal { get; init; } = true;

        /// <summary>
        /// Let the global term include the query's own group (an inclusive prefix). Default false. True lets a token see
        /// the later tokens of its group (information leakage) and leaves the mixer with its parallel form only. Invalid
        /// with groups of one token (see <see cref="Problems"/>).
        /// </summary>
        public bool InclusiveGlobalPrefix { get; init; }

        /// <summary>
        /// How the global state forgets. Default <see cref="GateKind.None"/> (the paper's plain sum); <see cref="GateKind.Gla"/>
        /// decays it with data-dependent per-key-dimension gates (see the remarks). Gates read only the current token.
        /// </summary>
#if !LINEARDSL_ROSLYN
        // config.json of an ungated mixer stays as it was before gates existed (older readers know no "gate").
        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
#endif
        public GateKind Gate { get; init; }

        /// <summary>Temperature tau of the GLA gates, log a_t = logsigmoid(k_t W_g + b_g) / tau. Default 16, as in GLA.</summary>
#if !LINEARDSL_ROSLYN
        [System.Text.Json.Serialization.JsonIgnore]
#endif
        public double GateTemperature { get; init; } = DefaultGateTemperature;

#if !LINEARDSL_ROSLYN
        /// <summary>"gate_temperature" in config.json: written unless the mixer is ungated with the default temperature.</summary>
        [System.Text.Json.Serialization.JsonInclude, System.Text.Json.Serialization.JsonPropertyName("gate_temperature")]
        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        internal double? GateTemperatureInConfig
        {
            get => Gate == GateKind.None && GateTemperature.Equals(DefaultGateTemperature) ? null : GateTemperature;
            init => GateTemperature = value ?? DefaultGateTemperature;
        }
#endif

        const double DefaultGateTemperature = 16;

        /// <summary>How many steps the conv window is shifted towards the future (0 for the causal conv).</summary>
        internal long ConvShift => ConvPadding == ConvPadding.Centered ? (ConvTaps - 1) / 2 : ConvPadding == ConvPadding.Right ? ConvTaps - 1 : 0;

        /// <inheritdoc />
        public override string KindName() => "augmented_linear";

        /// <inheritdoc />
        internal override string AttributeName() => "LinearAttention";

        /// <inheritdoc />
        internal override bool Claims(IDeclaredSettings settings) => settings.WholeNumber("FeatureMap", 0) == 0;

        /// <inheritdoc />
        public override string Describe()
        {
            var parts = new List<string>();
            if (Local) parts.Add("local");
            if (Global) parts.Add("global");
            if (Global && Gate == GateKind.Gla) parts[parts.Count - 1] = "GLA-gated global";
            if (Conv) parts.Add($"conv {ConvTaps} taps");
            return $"augmented linear attention ({string.Join(" + ", parts)}, groups of {GroupSize})";
        }

        /// <inheritdoc />
        public override IReadOnlyList<NonCausalSetting> NonCausal()
        {
            var settings = new List<NonCausalSetting>();
            // A shifted window reads v[t + s - j]: later tokens exactly when it has taps beyond the current one.
            if (Conv && ConvTaps > 1 && ConvPadding != ConvPadding.Causal) settings.Add(new NonCausalSetting("ConvPadding", ConvPadding.ToString()));
            // An unmasked G x G block reads the group's later tokens; a 1 x 1 block is the token itself.
            if (Local && GroupSize > 1 && !CausalLocal) settings.Add(new NonCausalSetting("CausalLocal", "false"));
            // The own group holds later tokens only when it has more than one token (G = 1 is rejected by Problems).
            if (Global && GroupSize > 1 && InclusiveGlobalPrefix) settings.Add(new NonCausalSetting("InclusiveGlobalPrefix", "true"));
            return settings;
        }

        /// <inheritdoc />
        public override IReadOnlyList<MixerProblem> Problems()
        {
            var problems = new List<MixerProblem>();
#pragma warning disable CA2263 // The generic overload is not in netstandard2.0 (the generator and analyzers compile this too).
            if (!Enum.IsDefined(typeof(ConvPadding), ConvPadding))
                problems.Add(new MixerProblem(nameof(ConvPadding), $"ConvPadding {(int)ConvPadding} is not a known conv padding", "use Causal, Centered or Right"));
            if (!Enum.IsDefined(typeof(GateKind), Gate))
                problems.Add(new MixerProblem(nameof(Gate), $"Gate {(int)Gate} is not a known gate", "use None or Gla"));
#pragma warning restore CA2263
            if (GroupSize <= 0) problems.Add(new MixerProblem(nameof(GroupSize), $"GroupSize is {GroupSize}", "a group needs at least 1 token"));
            if (ConvTaps <= 0) problems.Add(new MixerProblem(nameof(ConvTaps), $"ConvTaps is {ConvTaps}", "the causal conv needs at least 1 tap (the current token)"));
            if (!(FeatureEps > 0) || double.IsInfinity(FeatureEps)) problems.Add(new MixerProblem(nameof(FeatureEps), $"FeatureEps is {Format(FeatureEps)}", "give a positive finite epsilon, or zero-norm rows divide by zero"));
            if (double.IsNaN(AlphaInit) || double.IsInfinity(AlphaInit)) problems.Add(new MixerProblem(nameof(AlphaInit), $"AlphaInit is {Format(AlphaInit)}", "give a finite number"));
            if (!(GateTemperature > 0) || double.IsInfinity(GateTemperature)) problems.Add(new MixerProblem(nameof(GateTemperature), $"GateTemperature is {Format(GateTemperature)}", "give a positive finite temperature (16 is GLA's)"));
            if (Gate != GateKind.None && !Global) problems.Add(new MixerProblem(nameof(Gate), $"Gate = {Gate} decays the global term, which is off", "turn Global on or remove Gate"));
            if (!Local && !Global && !Conv) problems.Add(new MixerProblem(null, "Local, Global and Conv are all off, so the mixer would output zeros", "turn at least one on"));
            // With G = 1 the inclusive prefix adds the token's own k v^T to its global term: causal, but a different
            // function that the decoding forms do not compute, so it is refused rather than silently dropped.
            if (Global && GroupSize == 1 && InclusiveGlobalPrefix)
                problems.Add(new MixerProblem(nameof(InclusiveGlobalPrefix), "InclusiveGlobalPrefix = true with groups of 1 token adds each token's own key to its global term (no later token is read, but Step and Verify do not compute it)", "remove InclusiveGlobalPrefix"));
            return problems;
        }

        /// <inheritdoc />
        internal override MixerOptions? FromDeclaration(IDeclaredSettings settings, DeclarationContext context, List<MixerProblem> problems)
        {
            int before = problems.Count;
            if (settings.IsSet("Denominator") && settings.Flag("Denominator", true))
                problems.Add(new MixerProblem("Denominator", "LinearAttention.Denominator does not apply to FeatureMap = L2: q^ . k^ can be zero or negative, so dividing by it is unsafe", "remove Denominator or choose a positive feature map (EluPlusOne, Performer, ...)", MixerProblemKind.NotApplicable));
            if (settings.IsSet("FeatureDim"))
                problems.Add(new MixerProblem("FeatureDim", "LinearAttention.FeatureDim does not apply to FeatureMap = L2 (its features are the head itself)", "remove it", MixerProblemKind.NotApplicable));
            if (settings.IsSet("Bidirectional"))
                problems.Add(new MixerProblem("Bidirectional", "LinearAttention.Bidirectional does not apply to FeatureMap = L2 (the augmented form's parts have their own settings)", "remove it; in an encoder use ConvPadding = ConvPadding.Centered, CausalLocal = false and InclusiveGlobalPrefix = true", MixerProblemKind.NotApplicable));
            int padding = settings.WholeNumber("ConvPadding", 0);
            if (padding < 0 || padding >= Paddings.Length)
                problems.Add(new MixerProblem("ConvPadding", $"LinearAttention.ConvPadding is {padding}, not a ConvPadding value", "use ConvPadding.Causal (the default)"));
            int gate = settings.WholeNumber("Gate", 0);
            if (gate < 0 || gate > (int)GateKind.Gla)
                problems.Add(new MixerProblem("Gate", $"LinearAttention.Gate is {gate}, not a GateKind value", "use GateKind.None (the default) or GateKind.Gla"));
            int groupSize = ResolveGroupSize(settings, context.ContextLength, problems);
            var declared = new AugmentedLinearAttentionOptions
            {
                GroupSize = groupSize > 0 ? groupSize : DefaultGroupSize,
                Local = settings.Flag("Local", true),
                Global = settings.Flag("Global", true),
                Conv = settings.Flag("DWConv", true),
                // Without the conv its taps mean nothing (and are not checked).
                ConvTaps = settings.Flag("DWConv", true) ? settings.WholeNumber("ConvTaps", 32) : 1,
                AlphaInit = settings.RealNumber("AlphaInit", 0),
                ConvPadding = padding >= 0 && padding < Paddings.Length ? (ConvPadding)padding : ConvPadding.Causal,
                CausalLocal = settings.Flag("CausalLocal", true),
                InclusiveGlobalPrefix = settings.Flag("InclusiveGlobalPrefix", false),
                Gate = gate >= 0 && gate <= (int)GateKind.Gla ? (GateKind)gate : GateKind.None,
                GateTemperature = settings.RealNumber("GateTemperature", DefaultGateTemperature),
            };
            foreach (var problem in declared.Problems())
            {
                // The attribute calls Conv "DWConv" and prefixes messages with the attribute's name.
                string? setting = problem.Setting == nameof(Conv) ? "DWConv" : problem.Setting;
                problems.Add(problem with { Setting = setting, Message = "LinearAttention" + (setting == null ? ": " : ".") + problem.Message });
            }
            if (problems.Count > before || groupSize <= 0) return null;
            // A non-causal setting whose part is off (or a one-tap conv, or groups of one token) changes nothing: keep
            // the causal default, so that the model keeps its decoding forms and its config says what it computes.
            var leaks = new HashSet<string>();
            foreach (var setting in declared.NonCausal()) leaks.Add(setting.Name);
            return declared with
            {
                ConvPadding = leaks.Contains("ConvPadding") ? declared.ConvPadding : ConvPadding.Causal,
                CausalLocal = !leaks.Contains("CausalLocal"),
                InclusiveGlobalPrefix = leaks.Contains("InclusiveGlobalPrefix"),
            };
        }

        /// <summary>Groups per context window or tokens per group, at most one of them; neither gives min(64, context).</summary>
        static int ResolveGroupSize(IDeclaredSettings settings, int context, List<MixerProblem> problems)
        {
            int groups = settings.WholeNumber("Groups", 0), size = settings.WholeNumber("GroupSize", 0);
            if (groups != 0 && size != 0)
            {
                problems.Add(new MixerProblem("GroupSize", $"LinearAttention sets both Groups = {groups} and GroupSize = {size}", "keep one (Groups counts groups per context window, GroupSize counts tokens per group)", MixerProblemKind.GroupSettings));
                return 0;
            }
            foreach (var name in new[] { "Groups", "GroupSize" })
            {
                // 0 is the attribute's "not set", but written out it is a request for no groups.
                if (settings.IsSet(name) && settings.WholeNumber(name, -1) == 0)
                {
                    problems.Add(new MixerProblem(name, $"LinearAttention.{name} is 0", $"{name} must be positive; omit it to use the default", MixerProblemKind.GroupSettings));
                    return 0;
                }
            }
            if (groups < 0 || size < 0)
            {
                string name = groups < 0 ? "Groups" : "GroupSize";
                problems.Add(new MixerProblem(name, $"LinearAttention.{name} is {(groups < 0 ? groups : size)}", "it must be positive", MixerProblemKind.GroupSettings));
                return 0;
            }
            // Without a valid context length (reported on [CausalLM]) only GroupSize is known; otherwise assume groups of
            // the default size, so that a causality check errs on the side of reporting.
            if (context <= 0) return size > 0 ? size : DefaultGroupSize;
            if (groups > 0)
            {
                if (groups > context || context % groups != 0)
                {
                    problems.Add(new MixerProblem("Groups", $"LinearAttention.Groups = {groups} does not divide ContextLength = {context}", $"choose a divisor of {context} or give GroupSize instead", MixerProblemKind.GroupSettings));
                    return 0;
                }
                return context / groups;
            }
            if (size > 0)
            {
                if (size > context)
                {
                    problems.Add(new MixerProblem("GroupSize", $"LinearAttention.GroupSize = {size} is larger than ContextLength = {context}", $"choose at most {context} tokens", MixerProblemKind.GroupSettings));
                    return 0;
                }
                return size;
            }
            return Math.Min(DefaultGroupSize, context);
        }

        static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

#if !LINEARDSL_ROSLYN
        /// <inheritdoc />
        internal override TokenMixer CreateMixer(MixerGeometry geometry, Positional.RotaryEmbedding? rotary, int contextLength)
            => new AugmentedLinearAttention(geometry, this, rotary);
#endif
    }
}
