using System.Net;
using System.Text.Json;

namespace LinearDsl.Server.Tests;

/// <summary>Bad input gets an OpenAI-shaped error with the right status, never a 500 or a stack trace.</summary>
public class ErrorTests
{
    static void ShouldBeError(int status, JsonElement body, int expected, string? param = null)
    {
        status.Should().Be(expected, body.ToString());
        var error = body.GetProperty("error");
        string message = error.GetProperty("message").GetString()!;
        message.Should().NotBeNullOrWhiteSpace();
        message.Should().NotContain("   at ").And.NotContain("Exception").And.NotContain("\n");
        error.GetProperty("type").GetString().Should().NotBeNullOrEmpty();
        if (param is not null) error.GetProperty("param").GetString().Should().Be(param);
    }

    [Theory]
    [InlineData("{\"prompt\":\"a\",\"max_tokens\":-5}", "max_tokens")]
    [InlineData("{\"prompt\":\"a\",\"max_tokens\":0}", "max_tokens")]
    [InlineData("{\"prompt\":\"a\",\"max_tokens\":100000000000}", "max_tokens")]
    [InlineData("{\"prompt\":\"a\",\"max_tokens\":2.5}", "max_tokens")]
    [InlineData("{\"prompt\":\"a\",\"max_completion_tokens\":999999}", "max_completion_tokens")]
    [InlineData("{\"prompt\":\"a\",\"temperature\":-0.1}", "temperature")]
    [InlineData("{\"prompt\":\"a\",\"temperature\":\"NaN\"}", "temperature")]
    [InlineData("{\"prompt\":\"a\",\"top_p\":0}", "top_p")]
    [InlineData("{\"prompt\":\"a\",\"top_p\":1.5}", "top_p")]
    [InlineData("{\"prompt\":\"a\",\"model\":\"gpt-4\"}", "model")]
    [InlineData("{\"prompt\":\"a\",\"stop\":[\"\"]}", "stop")]
    [InlineData("{\"prompt\":\"a\",\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}", "stop")]
    [InlineData("{\"prompt\":\"a\",\"stop\":5}", "stop")]
    [InlineData("{\"prompt\":\"a\",\"seed\":\"x\"}", "seed")]
    [InlineData("{\"prompt\":\"a\",\"n\":2}", "n")]
    [InlineData("{\"prompt\":\"a\",\"stream\":\"yes\"}", "stream")]
    [InlineData("{\"prompt\":7}", "prompt")]
    [InlineData("{\"max_tokens\":3}", "prompt")]
    public async Task Invalid_completion_parameters_get_400_naming_the_parameter(string json, string param)
    {
        await using var server = await TestServer.StartAsync();
        var (status, body) = await server.PostAsync("/v1/completions", json);
        ShouldBeError(status, body, 400, param);
    }

    [Theory]
    [InlineData("{\"messages\":[]}", "messages")]
    [InlineData("{\"messages\":\"hi\"}", "messages")]
    [InlineData("{\"messages\":[{\"role\":\"wizard\",\"content\":\"hi\"}]}", "messages[0].role")]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]}", "messages[0].content")]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":-1}", "temperature")]
    public async Task Invalid_chat_requests_get_400(string json, string param)
    {
        await using var server = await TestServer.StartAsync();
        var (status, body) = await server.PostAsync("/v1/chat/completions", json);
        ShouldBeError(status, body, 400, param);
    }

    [Theory]
    [InlineData("{\"prompt\":")]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"prompt\":\"a\",\"temperature\":NaN}")]
    public async Task Malformed_json_gets_400(string json)
    {
        await using var server = await TestServer.StartAsync();
        var (status, body) = await server.PostAsync("/v1/completions", json);
        ShouldBeError(status, body, 400);
    }

    [Fact]
    public async Task A_prompt_over_the_limit_gets_400_and_a_body_over_the_limit_413()
    {
        await using var server = await TestServer.StartAsync(server: o =>
        {
            o.MaxPromptTokens = 10;
            o.MaxRequestBytes = 2000;
        });
        var (status, body) = await server.PostAsync("/v1/completions", "{\"prompt\":\"this prompt is longer than ten tokens\"}");
        ShouldBeError(status, body, 400, "prompt");
        body.GetProperty("error").GetProperty("code").GetString().Should().Be("context_length_exceeded");

        (status, body) = await server.PostAsync("/v1/completions", $"{{\"prompt\":\"{new string('a', 5000)}\"}}");
        ShouldBeError(status, body, 413);
    }

    [Fact]
    public async Task With_an_api_key_requests_need_the_bearer_token()
    {
        await using var server = await TestServer.StartAsync(server: o => o.ApiKey = "s3cret");
        var (status, body) = await server.PostAsync("/v1/completions", "{\"prompt\":\"a\",\"max_tokens\":2}");
        ShouldBeError(status, body, 401);
        (status, body) = await server.PostAsync("/v1/completions", "{\"prompt\":\"a\",\"max_tokens\":2}", apiKey: "s3cres");
        ShouldBeError(status, body, 401);
        (status, _) = await server.PostAsync("/v1/completions", "{\"prompt\":\"a\",\"max_tokens\":2}", apiKey: "s3cret");
        status.Should().Be(200);

        var completion = await server.ChatClient("s3cret").CompleteChatAsync([new OpenAI.Chat.UserChatMessage("hi")], new OpenAI.Chat.ChatCompletionOptions { MaxOutputTokenCount = 2 });
        completion.Value.Usage.OutputTokenCount.Should().BeGreaterThan(0);
        var wrong = async () => await server.ChatClient("nope").CompleteChatAsync([new OpenAI.Chat.UserChatMessage("hi")]);
        (await wrong.Should().ThrowAsync<System.ClientModel.ClientResultException>()).Which.Status.Should().Be(401);
    }

    [Fact]
    public async Task While_the_models_load_health_and_completions_answer_503_then_200()
    {
        var release = new TaskCompletionSource();
        await using var server = await TestServer.StartAsync(waitUntilReady: false, loadGate: release.Task);
        (await server.Http.GetAsync("/health")).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        var (status, body) = await server.PostAsync("/v1/completions", "{\"prompt\":\"a\"}");
        ShouldBeError(status, body, 503);

        release.SetResult();
        await server.Models.Ready;
        (await server.Http.GetAsync("/health")).StatusCode.Should().Be(HttpStatusCode.OK);
        (status, _) = await server.PostAsync("/v1/completions", "{\"prompt\":\"a\",\"max_tokens\":2}");
        status.Should().Be(200);
    }

    [Fact]
    public async Task A_full_queue_gets_429()
    {
        await using var server = await TestServer.StartAsync(server: o =>
        {
            o.MaxBatch = 1;
            o.MaxQueue = 0;
        }, tokenizer: "byte");
        using var cancel = new CancellationTokenSource();
        // A long streamed request holds the only row.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = new StringContent("{\"prompt\":\"a\",\"max_tokens\":4000,\"stream\":true}", System.Text.Encoding.UTF8, "application/json"),
        };
        using var response = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
        (await reader.ReadLineAsync(cancel.Token)).Should().StartWith("data: ");
        await server.WaitForActiveRowsAsync(1);

        var (status, body) = await server.PostAsync("/v1/completions", "{\"prompt\":\"b\",\"max_tokens\":2}");
        ShouldBeError(status, body, 429);
        cancel.Cancel();
    }
}
