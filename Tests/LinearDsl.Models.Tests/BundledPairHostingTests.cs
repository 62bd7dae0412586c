using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Hosting;
using LinearDsl.Runtime.Modeling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LinearDsl.Models.Tests;

/// <summary>The package copies the bundled pair next to the application, where BundledModels and the hosting names find it.</summary>
public sealed class BundledPairHostingTests
{
    [Fact]
    public void The_bundled_pair_is_in_the_output_and_loads_as_the_declared_architectures()
    {
        File.Exists(BundledModels.CorpusFile).Should().BeTrue();
        using var target = BundledModels.LoadTarget();
        using var draft = BundledModels.LoadDraft();
        target.Config.Should().Be(AugLlama.Config);
        draft.Config.Should().Be(AugLlamaDraft.Config);
    }

    [Fact]
    public void Hosting_options_name_the_bundled_pair_and_decode_speculatively()
    {
        var services = new ServiceCollection();
        services.AddLinearDsl(o =>
        {
            o.Target.CheckpointDirectory = "bundled:target";
            o.Draft.CheckpointDirectory = "bundled:draft";
            o.Tokenizer = "byte";
        });
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();

        var decoder = provider.GetRequiredService<ITokenDecoder>().Should().BeOfType<SpeculativeDecoder>().Subject;
        decoder.Target.Config.Should().Be(AugLlama.Config);
        decoder.Draft.Config.Should().Be(AugLlamaDraft.Config);
        Path.GetFullPath(BundledCheckpoints.TargetDirectory).Should().StartWith(AppContext.BaseDirectory);
    }
}
