using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LinearDsl.Runtime.Tests.Hosting;

/// <summary>"bundled:target" and "bundled:draft" name the pair that the LinearDsl.Models package ships.</summary>
public sealed class BundledNameTests
{
    [Theory]
    [InlineData("bundled:target", true)]
    [InlineData("Bundled:Draft", true)]
    [InlineData("bundled:other", false)]
    [InlineData("checkpoints/target", false)]
    public void Bundled_names_map_to_the_folder_next_to_the_application(string name, bool known)
    {
        BundledCheckpoints.TryGetDirectory(name, out string directory).Should().Be(known);
        if (known)
            directory.Should().StartWith(AppContext.BaseDirectory).And.Contain(BundledCheckpoints.FolderName);
    }

    [Fact]
    public void Without_the_Models_package_a_bundled_name_is_one_validation_line_that_says_what_to_reference()
    {
        // This test project does not reference LinearDsl.Models, so the bundled files are not next to it.
        Directory.Exists(BundledCheckpoints.TargetDirectory).Should().BeFalse();
        var services = new ServiceCollection();
        services.AddLinearDsl(o => o.Target.CheckpointDirectory = "bundled:target");
        using var provider = services.BuildServiceProvider();

        var failure = FluentActions.Invoking(() => provider.GetRequiredService<IStartupValidator>().Validate())
            .Should().Throw<OptionsValidationException>().Which;
        failure.Failures.Should().ContainSingle().Which.Should().Contain("bundled:target").And.Contain("LinearDsl.Models");
    }
}
