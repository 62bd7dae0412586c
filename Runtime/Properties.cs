using System.Runtime.CompilerServices;

// Tests reach the deliberately leaky variants (see AugmentedLinearAttention.Leak) and internals.
[assembly: InternalsVisibleTo("LinearDsl.Runtime.Tests")]
[assembly: InternalsVisibleTo("LinearDsl.Benchmarks")]
