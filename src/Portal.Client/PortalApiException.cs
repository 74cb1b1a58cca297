using System.Net;

namespace Portal.Client;

/// <summary>
/// The portal refused or failed a call. <see cref="Exception.Message"/> is the server's own explanation (the problem
/// details' <c>detail</c>, or the inference protocol's <c>error</c>); <see cref="Status"/> and <see cref="Title"/> classify it.
/// </summary>
public sealed class PortalApiException : Exception
{
    public PortalApiException(HttpStatusCode status, string? title, string message, string method, string path, IReadOnlyDictionary<string, string[]>? errors = null)
        : base(message)
    {
        Status = status;
        Title = title;
        Method = method;
        Path = path;
        Errors = errors ?? new Dictionary<string, string[]>();
    }

    public HttpStatusCode Status { get; }

    public string? Title { get; }

    public string Method { get; }

    public string Path { get; }

    /// <summary>Field errors of a validation problem (field → messages); empty otherwise.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }
}

/// <summary>The live hub refused a watch (a bad topic) or could not be reached after the configured attempts.</summary>
public sealed class PortalLiveException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A job the call waited for (an import) did not succeed; the message is the job's own reason.</summary>
public sealed class PortalJobException(string message, Guid jobId, Portal.Contracts.Jobs.JobState state) : Exception(message)
{
    public Guid JobId { get; } = jobId;

    public Portal.Contracts.Jobs.JobState State { get; } = state;
}
