using System.Runtime.CompilerServices;

// Tests and benchmarks reach internals (for example the switch of the fused decode step).
[assembly: InternalsVisibleTo("LinearDsl.Runtime.Tests")]
[assembly: InternalsVisibleTo("LinearDsl.Benchmarks")]
// The command line and the study share the one median of their timings (Diagnostics/Medians), and the study writes
// its files through AtomicFile.
[assembly: InternalsVisibleTo("lineardsl")]
[assembly: InternalsVisibleTo("LinearDsl.Study")]
