using Portal.Contracts.Jobs;
using Portal.Server.Live;

namespace Portal.Server.Jobs;

/// <summary>What jobs publish on the live bus: status on <c>job:{id}</c>, on <c>jobs</c> (the job list) and on the topic of the thing the job runs.</summary>
public static class JobTopics
{
    public static string Job(Guid jobId) => $"job:{jobId}";

    public static void PublishStatus(LiveBus bus, JobRecord job, IEnumerable<IJobHandler> handlers)
    {
        var status = new JobStatusEvent(job.Id, job.Kind, job.State, job.Progress, job.Error);
        bus.Publish(Job(job.Id), "status", status);
        bus.Publish(LiveTopics.Jobs, "status", status);
        if (handlers.FirstOrDefault(h => h.Kind == job.Kind)?.Topic(job) is { } topic) bus.Publish(topic, "status", status);
    }
}

