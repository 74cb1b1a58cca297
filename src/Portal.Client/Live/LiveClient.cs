using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http.Connections.Client;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Portal.Client.Live;

/// <summary>
/// The live hub (/hubs/live) over one SignalR connection shared by every watch. A watch survives a dropped
/// connection: it reconnects and asks for the events after the last sequence number it delivered, so the caller
/// sees each event once, in order (a duplicate after a resume is skipped).
/// </summary>
public sealed class LiveClient : IAsyncDisposable
{
    public const string HubPath = "hubs/live";

    private readonly PortalClientOptions _options;
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private HubConnection? _hub;
    private long _reconnects;
    private bool _disposed;

    internal LiveClient(PortalClientOptions options) => _options = options;

    /// <summary>How many times a watch had to reconnect after losing the hub.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>
    /// The events of <paramref name="topic"/> after <paramref name="afterSequence"/> (0: the whole retained history),
    /// then live, until <paramref name="ct"/> is cancelled or the caller stops enumerating.
    /// </summary>
    /// <exception cref="PortalLiveException">The hub refused the topic, or stayed unreachable for <see cref="PortalClientOptions.LiveReconnectAttempts"/> tries.</exception>
    public async IAsyncEnumerable<LiveMessage> Watch(string topic, long afterSequence = 0, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        var last = afterSequence;
        var failures = 0;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            IAsyncEnumerator<LiveMessage>? stream = null;
            Exception? broken = null;
            try
            {
                var hub = await Connected(ct);
                stream = hub.StreamAsync<LiveMessage>("Stream", topic, last, ct).GetAsyncEnumerator(ct);
                var first = true;
                while (true)
                {
                    var (moved, error) = await Next(stream);
                    if (error is not null)
                    {
                        if (ct.IsCancellationRequested) throw new OperationCanceledException(ct);
                        // The connection still up: the server refused the stream itself (a bad topic); nothing to retry.
                        if (error is HubException && hub.State == HubConnectionState.Connected) throw new PortalLiveException(error.Message, error);
                        broken = error;
                        break;
                    }
                    if (!moved) yield break;
                    var message = stream.Current;
                    // The server sends only what follows 'last'; a lower first number means the server restarted
                    // (numbers restart with the process) and replays its history, which is new to this watch.
                    if (message.Sequence <= last && !first) continue;
                    first = false;
                    last = message.Sequence;
                    failures = 0;
                    yield return message;
                }
            }
            finally
            {
                if (stream is not null) await DisposeQuietly(stream);
            }

            Interlocked.Increment(ref _reconnects);
            if (++failures > _options.LiveReconnectAttempts)
                throw new PortalLiveException($"Lost the live hub and could not resume '{topic}' after {_options.LiveReconnectAttempts} attempts: {broken?.Message}", broken);
            await Task.Delay(Backoff(failures), ct);
        }
    }

    /// <summary>The sequence number of the last event on <paramref name="topic"/> (0: none yet).</summary>
    public async Task<long> LastSequence(string topic, CancellationToken ct = default) =>
        await (await Connected(ct)).InvokeAsync<long>("LastSequence", topic, ct);

    private static async Task<(bool Moved, Exception? Error)> Next(IAsyncEnumerator<LiveMessage> stream)
    {
        try
        {
            return (await stream.MoveNextAsync(), null);
        }
        catch (Exception e)
        {
            return (false, e);
        }
    }

    private static async Task DisposeQuietly(IAsyncEnumerator<LiveMessage> stream)
    {
        try
        {
            await stream.DisposeAsync();
        }
        catch (Exception)
        {
            // The connection is already gone; there is nothing left to release.
        }
    }

    private TimeSpan Backoff(int failures) => TimeSpan.FromMilliseconds(Math.Min(5_000, _options.RetryDelay.TotalMilliseconds * (1 << Math.Min(failures - 1, 8))));

    /// <summary>The shared connection, started (again) if it is not connected; a failed start is retried with backoff.</summary>
    private async Task<HubConnection> Connected(CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_hub is { State: HubConnectionState.Connected } ready) return ready;
        await _connecting.WaitAsync(ct);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                _hub ??= Build();
                if (_hub.State == HubConnectionState.Connected) return _hub;
                try
                {
                    if (_hub.State != HubConnectionState.Disconnected)
                    {
                        await _hub.DisposeAsync();
                        _hub = Build();
                    }
                    await _hub.StartAsync(ct);
                    return _hub;
                }
                catch (HttpRequestException e) when (e.StatusCode is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden)
                {
                    throw new PortalLiveException($"The live hub refused the connection ({(int)e.StatusCode.Value}): the API key is missing, unknown, expired or revoked.", e);
                }
                catch (Exception e) when (e is not OperationCanceledException && attempt < _options.LiveReconnectAttempts)
                {
                    await Task.Delay(Backoff(attempt), ct);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    throw new PortalLiveException($"Could not reach the live hub at {new Uri(_options.BaseAddress!, HubPath)}: {e.Message}", e);
                }
            }
        }
        finally
        {
            _connecting.Release();
        }
    }

    private HubConnection Build() => new HubConnectionBuilder()
        .WithUrl(new Uri(_options.BaseAddress!, HubPath), (HttpConnectionOptions o) =>
        {
            if (!string.IsNullOrEmpty(_options.ApiKey)) o.Headers[PortalClient.ApiKeyHeader] = _options.ApiKey!;
            if (_options.Handler is { } handler) o.HttpMessageHandlerFactory = _ => handler;
        })
        .Build();

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        if (_hub is { } hub) await hub.DisposeAsync();
        _connecting.Dispose();
    }
}
