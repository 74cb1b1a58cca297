using Microsoft.AspNetCore.OpenApi;
using Portal.Server.Auth;

namespace Portal.Server.Live;

/// <summary>
/// The live hub in the OpenAPI document (so on /reference): SignalR is not an HTTP operation, so the hub, its
/// methods, topics and authentication are described in the document's introduction.
/// </summary>
public static class LiveHubDocumentation
{
    public static readonly string Text = $$"""
        ## Live hub: `{{LiveSetup.HubPath}}` (SignalR)

        Progress as it happens, over ASP.NET Core SignalR (JSON hub protocol; WebSockets, server-sent events or long
        polling) with any SignalR client (`@microsoft/signalr`, `Microsoft.AspNetCore.SignalR.Client`).

        **Authentication.** Any role (Viewer and up). Send an API key as the `{{ApiKeyAuthenticationHandler.HeaderName}}` header,
        or as a bearer token (`Authorization: Bearer ptl_…`, which is what the clients' `accessTokenFactory` /
        `AccessTokenProvider` send). Browsers cannot put headers on WebSockets and server-sent events, so on this path
        only the key is also accepted as `?{{ApiKeyAuthenticationHandler.AccessTokenQuery}}=ptl_…` (the clients do that by themselves). A signed-in
        browser's cookie works too. Every invocation checks the caller again, and revoking the key, changing the
        user's role or signing out closes that user's open connections.

        **Methods.**
        - `Stream(topic: string, afterSequence: long)`: a server-to-client stream of messages
          `{topic, sequence, time, type, data, downsampled}`: the retained events with a sequence number above
          `afterSequence` (0 for all that are retained), then each new event. To resume after a reconnect, pass the
          last `sequence` you received: no gap, no duplicate. A reader that falls behind gets min/max/last of each
          stretch of `step` events; `downsampled` counts the events left out just before a message, and a larger
          gap in `sequence` means events were dropped. A run's stream completes after the run's final status
          (succeeded, failed or cancelled).
        - `LastSequence(topic: string)`: the sequence number of the topic's last event (0: none yet).

        **Topics** and the `type`s of their events:
        - `run:{runId}`: `step` (runId, epoch, step, totalSteps, loss, learningRate, samplesPerSecond, completedAt),
          `epoch` (the stored epoch of GET /api/v1/runs/{id}/metrics), `status` (jobId, kind, state, progress, error)
          of its training and export jobs.
        - `job:{jobId}`: `status`, `progress` (jobId, progress from 0 to 1).
        - `compression:{compressionId}`: `stage`, `step`, `status`.
        - `{{LiveTopics.Jobs}}`: the `status` of every job.
        - `deployment:{model}/{alias}`: `metrics` (each second), `drift`, `alert`, `swap`.

        Sequence numbers restart with the server; a number from before a restart replays the retained history.

        ```js
        const hub = new signalR.HubConnectionBuilder()
          .withUrl("/hubs/live", { accessTokenFactory: () => apiKey })
          .build();
        await hub.start();
        hub.stream("Stream", `run:${runId}`, 0).subscribe({
          next: m => console.log(m.sequence, m.type, m.data),
          complete: () => console.log("run finished"),
          error: e => console.error(e),
        });
        ```
        """;

    /// <summary>Adds <see cref="Text"/> to the introduction of the OpenAPI document.</summary>
    public static void AddToOpenApi(IServiceCollection services) =>
        services.Configure<OpenApiOptions>("v1", o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Description = string.IsNullOrEmpty(document.Info.Description) ? Text : $"{document.Info.Description}\n\n{Text}";
            return Task.CompletedTask;
        }));
}
