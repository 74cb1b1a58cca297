namespace Portal.Engine.Platform;

public sealed record RuntimeOptions
{
    /// <summary>libtorch intra-op threads; null means one per core.</summary>
    public int? IntraOpThreads { get; init; }

    /// <summary>Use the CPU even where CUDA is available.</summary>
    public bool ForceCpu { get; init; }

    /// <summary>Reads PORTAL_THREADS and PORTAL_DEVICE (cpu forces the CPU).</summary>
    public static RuntimeOptions FromEnvironment()
    {
        var threads = int.TryParse(Environment.GetEnvironmentVariable("PORTAL_THREADS"), out var t) && t > 0 ? t : (int?)null;
        var forceCpu = string.Equals(Environment.GetEnvironmentVariable("PORTAL_DEVICE"), "cpu", StringComparison.OrdinalIgnoreCase);
        return new RuntimeOptions { IntraOpThreads = threads, ForceCpu = forceCpu };
    }
}
