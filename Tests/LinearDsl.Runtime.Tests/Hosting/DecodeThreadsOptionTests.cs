using LinearDsl.Runtime.Fused;
using LinearDsl.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LinearDsl.Runtime.Tests.Hosting;

/// <summary>LinearDsl:DecodeThreads sets the decode programs' threads when the options are read, and is range-checked.</summary>
[Collection(nameof(FusedMulticoreTests))]
public sealed class DecodeThreadsOptionTests
{
    [Fact]
    public void DecodeThreads_sets_the_process_wide_count_when_the_options_are_read()
    {
        int previous = FusedDecoding.Threads;
        try
        {
            int wanted = previous == 3 ? 2 : 3;
            var services = new ServiceCollection();
            services.AddLinearDsl(_ => HostingModels.Target(), configure: o => o.DecodeThreads = wanted);
            using var provider = services.BuildServiceProvider();
            provider.GetRequiredService<IStartupValidator>().Validate();
            FusedDecoding.Threads.Should().Be(wanted);
        }
        finally
        {
            FusedDecoding.Threads = previous;
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(257)]
    public void DecodeThreads_out_of_range_fails_at_start_and_changes_nothing(int threads)
    {
        int previous = FusedDecoding.Threads;
        var services = new ServiceCollection();
        services.AddLinearDsl(_ => HostingModels.Target(), configure: o => o.DecodeThreads = threads);
        using var provider = services.BuildServiceProvider();
        var act = () => provider.GetRequiredService<IStartupValidator>().Validate();
        act.Should().Throw<OptionsValidationException>().Which.Failures.Should().ContainSingle().Which.Should()
            .Be($"LinearDsl:DecodeThreads must be between 1 and 256, got {threads}; leave it unset for one per core up to 4.");
        FusedDecoding.Threads.Should().Be(previous);
    }
}
