using System.Management.Automation;
using System.Net;
using Portal.Client;
using Portal.PowerShell.Session;

namespace Portal.PowerShell;

/// <summary>
/// The base of every Portal cmdlet: the current connection, async calls run to completion on the pipeline thread
/// and cancelled by Ctrl+C (StopProcessing), and refusals turned into ErrorRecords with a category and a target.
/// </summary>
public abstract class PortalCmdlet : PSCmdlet
{
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Cancelled when the user presses Ctrl+C or the pipeline is stopped.</summary>
    protected CancellationToken Stopped => _stopping.Token;

    protected PortalClient Client => PortalSession.Client ?? throw new PortalNotConnectedException();

    /// <summary>False for the cmdlets that make or end the connection.</summary>
    protected virtual bool NeedsConnection => true;

    protected override void BeginProcessing()
    {
        if (NeedsConnection && PortalSession.Client is null)
        {
            var notConnected = new PortalNotConnectedException();
            ThrowTerminatingError(new ErrorRecord(notConnected, "PortalNotConnected", ErrorCategory.ConnectionError, null)
            {
                ErrorDetails = new ErrorDetails(notConnected.Message) { RecommendedAction = "Run Connect-Portal." },
            });
        }
    }

    protected override void StopProcessing() => _stopping.Cancel();

    /// <summary>Writes <paramref name="sendToPipeline"/> as PowerShell objects (see <see cref="PowerShellObjects"/>): every cmdlet of the module writes through here.</summary>
    protected new void WriteObject(object? sendToPipeline) => base.WriteObject(PowerShellObjects.Of(sendToPipeline));

    protected new void WriteObject(object? sendToPipeline, bool enumerateCollection)
    {
        if (!enumerateCollection || sendToPipeline is not System.Collections.IEnumerable items || sendToPipeline is string)
        {
            WriteObject(sendToPipeline);
            return;
        }
        foreach (var item in items) WriteObject(item);
    }

    /// <summary>Runs an async call and waits for it here, on the pipeline thread (cmdlets may only write from it).</summary>
    protected static T Await<T>(Task<T> task) => task.GetAwaiter().GetResult();

    protected static void Await(Task task) => task.GetAwaiter().GetResult();

    /// <summary>
    /// Runs <paramref name="call"/>; a refusal of the portal becomes a non-terminating error about <paramref name="target"/>
    /// (so the rest of the pipeline goes on), anything that makes the connection unusable a terminating one.
    /// </summary>
    protected bool TryCall<T>(Func<CancellationToken, Task<T>> call, object? target, out T result)
    {
        try
        {
            result = Await(call(Stopped));
            return true;
        }
        catch (Exception e) when (AsErrorRecord(e, target) is { } record)
        {
            result = default!;
            if (e is PortalNotConnectedException) ThrowTerminatingError(record);
            WriteError(record);
            return false;
        }
    }

    protected bool TryCall(Func<CancellationToken, Task> call, object? target) =>
        TryCall<bool>(async ct =>
        {
            await call(ct);
            return true;
        }, target, out _);

    /// <summary>The ErrorRecord for a failure of the portal or the client; null for a stop (the pipeline is already ending).</summary>
    protected static ErrorRecord? AsErrorRecord(Exception e, object? target)
    {
        switch (e)
        {
            case OperationCanceledException:
                return null;
            case PortalApiException api:
                return new ErrorRecord(api, $"Portal{(int)api.Status}", Category(api.Status), target)
                {
                    ErrorDetails = new ErrorDetails(api.Message) { RecommendedAction = Recommendation(api.Status) },
                };
            case PortalLiveException live:
                return new ErrorRecord(live, "PortalLive", ErrorCategory.ConnectionError, target);
            case PortalNotConnectedException notConnected:
                return new ErrorRecord(notConnected, "PortalNotConnected", ErrorCategory.ConnectionError, target);
            case HttpRequestException http:
                return new ErrorRecord(http, "PortalUnreachable", ErrorCategory.ConnectionError, target);
            case ArgumentException argument:
                return new ErrorRecord(argument, "PortalInvalidArgument", ErrorCategory.InvalidArgument, target);
            case IOException io:
                return new ErrorRecord(io, "PortalFile", ErrorCategory.ReadError, target);
            default:
                return new ErrorRecord(e, "PortalFailure", ErrorCategory.NotSpecified, target);
        }
    }

    private static ErrorCategory Category(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => ErrorCategory.InvalidArgument,
        HttpStatusCode.Unauthorized => ErrorCategory.AuthenticationError,
        HttpStatusCode.Forbidden => ErrorCategory.PermissionDenied,
        HttpStatusCode.NotFound => ErrorCategory.ObjectNotFound,
        HttpStatusCode.Conflict => ErrorCategory.ResourceExists,
        HttpStatusCode.RequestEntityTooLarge => ErrorCategory.LimitsExceeded,
        HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout => ErrorCategory.ResourceUnavailable,
        _ => ErrorCategory.NotSpecified,
    };

    private static string? Recommendation(HttpStatusCode status) => status switch
    {
        HttpStatusCode.Unauthorized => "Run Connect-Portal with a valid API key.",
        HttpStatusCode.Forbidden => "Ask an Admin for a role that allows this, or have someone else do it.",
        _ => null,
    };

    /// <summary>Writes each item of an async list as it arrives (paging is the client's).</summary>
    protected void WriteAll<T>(IAsyncEnumerable<T> items, object? target)
    {
        var enumerator = items.GetAsyncEnumerator(Stopped);
        try
        {
            while (TryCall(async _ => await enumerator.MoveNextAsync(), target, out var moved) && moved) WriteObject(enumerator.Current);
        }
        finally
        {
            Await(enumerator.DisposeAsync().AsTask());
        }
    }
}

/// <summary>No Connect-Portal yet, or Disconnect-Portal since.</summary>
public sealed class PortalNotConnectedException() : InvalidOperationException("Not connected to a portal: run Connect-Portal -Uri <portal address> -ApiKey <key> first.");
