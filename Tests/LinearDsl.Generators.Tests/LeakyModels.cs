// Deliberately NON-causal declarations, to demonstrate the information leakage of docs/method.md, "Causality": such a model
// trains to an unrealistically low loss and then generates garbage. The same text is checked two ways:
// - at compile time by LinearDsl.Analyzers (Tests/LinearDsl.Analyzers.Tests/DeclarationFileTests: without the
//   [SuppressMessage] lines, LDSL2001-LDSL2004 fire at the settings below);
// - at run time by CausalityProbe (LeakyModelTests: Forward leaks, Step and Verify refuse to run).
// The generator is not the place to refuse them: it honours what is declared; the analyzers flag it.
using System.Diagnostics.CodeAnalysis;
using LinearDsl;

namespace LinearDsl.Generators.Tests.Leaky;

/// <summary>A centred 3-tap conv: one tap on the next token (the paper's 63-tap kernel with its mask skipped).</summary>
[SuppressMessage("LinearDsl.Causality", "LDSL2001:Convolution reads later tokens", Justification = "Demonstrates information leakage; LeakyModelTests catches it at run time.")]
[CausalLM(VocabSize = 48, Dim = 16, Layers = 2, ContextLength = 32)]
[LinearAttention(Heads = 2, GroupSize = 4, ConvTaps = 3, ConvPadding = ConvPadding.Centered)]
public partial class LeakyCenteredConv;

/// <summary>Local attention without its causal mask, and a global term that includes the query's own group.</summary>
[SuppressMessage("LinearDsl.Causality", "LDSL2002:Local attention is not masked causally", Justification = "Demonstrates information leakage; LeakyModelTests catches it at run time.")]
[SuppressMessage("LinearDsl.Causality", "LDSL2003:Global term includes the query's own group", Justification = "Demonstrates information leakage; LeakyModelTests catches it at run time.")]
[CausalLM(VocabSize = 48, Dim = 16, Layers = 2, ContextLength = 32)]
[LinearAttention(Heads = 2, GroupSize = 4, ConvTaps = 3, CausalLocal = false, InclusiveGlobalPrefix = true)]
public partial class LeakyGroups;

/// <summary>A hybrid whose softmax layer attends in both directions (an encoder layer in a decoder).</summary>
[SuppressMessage("LinearDsl.Causality", "LDSL2004:Softmax attention is bidirectional", Justification = "Demonstrates information leakage; LeakyModelTests catches it at run time.")]
[CausalLM(VocabSize = 48, Dim = 16, Layers = 2, ContextLength = 32)]
[SoftmaxAttention(Heads = 2, Layers = new[] { 0 }, Bidirectional = true)]
[LinearAttention(Heads = 2, GroupSize = 4, ConvTaps = 3)]
public partial class LeakyBidirectional;
