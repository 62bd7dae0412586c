using System.Runtime.CompilerServices;

// Tests and benchmarks reach internals (for example the switch of the fused decode step).
[assembly: InternalsVisibleTo("LinearDsl.Runtime.Tests")]
[assembly: InternalsVisibleTo("LinearDsl.Benchmarks")]
// The command line shares the one median of its timings (Diagnostics/Medians).
[assembly: InternalsVisibleTo("lineardsl")]
