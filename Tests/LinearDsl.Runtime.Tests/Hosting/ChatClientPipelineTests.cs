using LinearDsl.Runtime.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LinearDsl.Runtime.Tests.Hosting;

/// <summary>The chat client is registered through Microsoft.Extensions.AI's AddChatClient, so hosts can add middleware.</summary>
public sealed class ChatClientPipelineTests
{
    [Fact]
    public async Task Middleware_added_to_the_builder_wraps_the_LinearDsl_client()
    {
        int calls = 0;
        var services = new ServiceCollection();
        var builder = services.AddLinearDsl(_ => HostingModels.Target(), configure: o => { o.Tokenizer = "byte"; o.ModelId = "tiny"; });
        builder.ChatClient.Use((messages, options, inner, cancellationToken) => { calls++; return inner(messages, options, cancellationToken); });
        using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<IChatClient>();
        client.Should().NotBeOfType<LinearDslChatClient>("the middleware wraps it");
        client.GetService<LinearDslChatClient>().Should().NotBeNull("the pipeline still reaches the LinearDsl client");
        var response = await client.GetResponseAsync("ab", new ChatOptions { MaxOutputTokens = 3, Temperature = 0 });

        calls.Should().Be(1);
        response.ModelId.Should().Be("tiny");
        response.Usage!.OutputTokenCount.Should().BeInRange(1, 3);
    }
}
