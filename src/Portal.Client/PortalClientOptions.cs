namespace Portal.Client;

/// <summary>Where the portal is and how to call it.</summary>
public sealed class PortalClientOptions
{
    /// <summary>The portal's root, e.g. <c>http://127.0.0.1:5080/</c>.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>An API key (<c>ptl_…</c>), sent as <c>X-Api-Key</c> to the API, /v2 and the live hub.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Extra tries of an idempotent read (GET) after a connection failure, 408, 429, 502, 503 or 504. Changes are never retried.</summary>
    public int ReadRetries { get; set; } = 3;

    /// <summary>The first wait between tries; it doubles each time (a server's Retry-After wins when longer).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Per-request timeout of the HTTP calls.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>Consecutive failed attempts to reach the live hub before a watch gives up.</summary>
    public int LiveReconnectAttempts { get; set; } = 10;

    /// <summary>The handler under the HTTP calls and the hub's negotiation (a proxy, a test server); null for the default.</summary>
    public HttpMessageHandler? Handler { get; set; }
}
