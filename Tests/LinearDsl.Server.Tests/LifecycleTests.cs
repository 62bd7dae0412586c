using System.Diagnostics.Metrics;

namespace LinearDsl.Server.Tests;

/// <summary>Metrics and shutdown.</summary>
public class LifecycleTests
{
    [Fact]
    public async Task The_server_says_which_decoding_it_runs_tree_and_heads_modes_included()
    {
        await using (var plain = await TestServer.StartAsync()) plain.Models.Decoding.Should().Be("plain");
        await using (var chain = await TestServer.StartAsync(speculative: true)) chain.Models.Decoding.Should().Be("speculative");
        await using var tree = await TestServer.StartAsync(speculative: true, configure: o => o.Speculation.Mode = LinearDsl.Runtime.Decoding.SpeculationMode.Tree);
        tree.Models.Decoding.Should().Be("speculative (Tree)", "a tree decoder speculates too (it was reported as plain)");
    }

    [Fact]
    public async Task Requests_record_tokens_time_to_first_token_batch_size_acceptance_and_queue()
    {
        var measured = new System.Collections.Concurrent.ConcurrentDictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ServerMetrics.MeterName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => measured.AddOrUpdate(instrument.Name, value, (_, old) => old + value));
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => measured.AddOrUpdate(instrument.Name, value, (_, old) => Math.Max(old, value)));
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => measured[instrument.Name] = value);
        listener.Start();

        await using var server = await TestServer.StartAsync(speculative: true);
        var (_, _, body) = await server.CompleteAsync("The sea", maxTokens: 10);
        listener.RecordObservableInstruments();

        long generated = body.GetProperty("usage").GetProperty("completion_tokens").GetInt64();
        measured.GetValueOrDefault("lineardsl.server.generated_tokens").Should().BeGreaterThanOrEqualTo(generated);
        measured.Should().ContainKey("lineardsl.server.time_to_first_token");
        measured.GetValueOrDefault("lineardsl.server.batch_size").Should().BeGreaterThanOrEqualTo(1);
        measured.Should().ContainKey("lineardsl.server.acceptance_rate");
        measured.Should().ContainKey("lineardsl.server.queue_length");
        measured.GetValueOrDefault("lineardsl.server.requests").Should().BeGreaterThanOrEqualTo(1);
    }

    [Fact]
    public async Task Stopping_the_host_lets_a_request_in_flight_finish()
    {
        var server = await TestServer.StartAsync(tokenizer: "byte");
        try
        {
            var request = server.PostAsync("/v1/completions", "{\"prompt\":\"a\",\"max_tokens\":1000}");
            await server.WaitForActiveRowsAsync(1);
            var stopping = server.StopAsync();
            var (status, body) = await request;
            status.Should().Be(200, body.ToString());
            body.GetProperty("choices")[0].GetProperty("finish_reason").GetString().Should().Be("length");
            body.GetProperty("usage").GetProperty("completion_tokens").GetInt32().Should().Be(1000, "the request ran to its end");
            await stopping;
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
