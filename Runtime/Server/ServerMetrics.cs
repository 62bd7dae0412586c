using System.Diagnostics.Metrics;

namespace LinearDsl.Server;

/// <summary>
/// The server's instruments on the meter <see cref="MeterName"/> (System.Diagnostics.Metrics): export them with
/// OpenTelemetry (<c>AddMeter("LinearDsl.Server")</c>) or watch them with <c>dotnet-counters</c>.
/// </summary>
public sealed class ServerMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "LinearDsl.Server";

    readonly Meter _meter;
    readonly Counter<long> _tokens;
    readonly Counter<long> _requests;
    readonly Histogram<double> _timeToFirstToken;
    readonly Histogram<int> _batchSize;
    readonly Histogram<double> _acceptance;
    readonly Counter<long> _reused;

    /// <summary>Creates the instruments; <paramref name="factory"/> (from dependency injection) owns the meter when given.</summary>
    public ServerMetrics(IMeterFactory? factory = null)
    {
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _tokens = _meter.CreateCounter<long>("lineardsl.server.generated_tokens", "{token}", "Tokens generated (its rate is the tokens per second).");
        _requests = _meter.CreateCounter<long>("lineardsl.server.requests", "{request}", "Requests answered, by status code.");
        _timeToFirstToken = _meter.CreateHistogram<double>("lineardsl.server.time_to_first_token", "s", "From the request's arrival to its first text.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _batchSize = _meter.CreateHistogram<int>("lineardsl.server.batch_size", "{row}", "Rows advanced by a decoding round.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64] });
        _acceptance = _meter.CreateHistogram<double>("lineardsl.server.acceptance_rate", null, "Share of drafted tokens the target accepted, per speculative request.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1] });
        _reused = _meter.CreateCounter<long>("lineardsl.server.reused_prompt_tokens", "{token}", "Prompt tokens served from the conversation state cache instead of prefilled.");
    }

    internal void ObserveBatcher(Func<int> queueLength, Func<int> activeRows, Func<long> cachedBytes)
    {
        _meter.CreateObservableGauge("lineardsl.server.queue_length", queueLength, "{request}", "Requests waiting for a row.");
        _meter.CreateObservableGauge("lineardsl.server.active_rows", activeRows, "{row}", "Requests decoding now.");
        _meter.CreateObservableGauge("lineardsl.server.state_cache_bytes", cachedBytes, "By", "Bytes of conversation states kept for follow-up turns.");
    }

    internal void Tokens(long count) => _tokens.Add(count);

    internal void Request(int status) => _requests.Add(1, new KeyValuePair<string, object?>("status", status));

    internal void TimeToFirstToken(TimeSpan elapsed) => _timeToFirstToken.Record(elapsed.TotalSeconds);

    internal void BatchSize(int rows) => _batchSize.Record(rows);

    internal void Acceptance(double rate) => _acceptance.Record(rate);

    internal void Reused(int tokens) => _reused.Add(tokens);

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
