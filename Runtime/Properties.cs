using System.Runtime.CompilerServices;

// The fused kernels, their width switch, run information and timing helpers are internal: the repository's own command
// line, benchmarks, study and tests use them; users get them through the models and decoders.
[assembly: InternalsVisibleTo("LinearDsl.Runtime.Tests")]
[assembly: InternalsVisibleTo("LinearDsl.Generators.Tests")]
[assembly: InternalsVisibleTo("LinearDsl.Models.Tests")]
[assembly: InternalsVisibleTo("LinearDsl.Cli.Tests")]
[assembly: InternalsVisibleTo("LinearDsl.Benchmarks")]
[assembly: InternalsVisibleTo("lineardsl")]
[assembly: InternalsVisibleTo("LinearDsl.Study")]
// Hosting's seq2seq text generator counts its steps into DecodingStatistics, as the decoding sessions do.
[assembly: InternalsVisibleTo("LinearDsl.Hosting")]
