namespace Portal.Server.Serving.Drift;

/// <summary>The live window drift is measured over (configuration section <c>Portal:Drift</c>).</summary>
public sealed class DriftOptions
{
    public const string Section = "Portal:Drift";

    /// <summary>The live window: the last 60 s of traffic, kept as buckets of <see cref="BucketSeconds"/>.</summary>
    public int WindowSeconds { get; set; } = 60;

    public int BucketSeconds { get; set; } = 5;

    /// <summary>
    /// Rows binned per second and served version at most; rows beyond it in a bucket are not counted. Binning runs
    /// on the batching thread and costs in proportion to the rows, so this bounds the observer's cost per second
    /// however busy the deployment, while 200 rows/s still fill a window with 12 000 samples.
    /// </summary>
    public int MaxRowsPerSecond { get; set; } = 200;

    /// <summary>
    /// PSI is published only over at least this many live samples: with B bins and n samples PSI has a bias of about
    /// (B − 1) / n even without drift (0.045 for deciles and 200 samples), and fewer would read as drift.
    /// </summary>
    public int MinSamples { get; set; } = 200;

    /// <summary>A served version with no traffic for this long is forgotten (its alias moved on).</summary>
    public int ForgetAfterSeconds { get; set; } = 600;

    /// <summary>The number of evaluation samples a reference is computed from (evenly spaced when the dataset is larger).</summary>
    public int MaxReferenceSamples { get; set; } = 20_000;

    public void Validate()
    {
        if (BucketSeconds < 1) throw new InvalidOperationException($"{Section}:BucketSeconds must be at least 1, not {BucketSeconds}.");
        if (WindowSeconds < BucketSeconds || WindowSeconds % BucketSeconds != 0)
            throw new InvalidOperationException($"{Section}:WindowSeconds ({WindowSeconds}) must be a positive multiple of BucketSeconds ({BucketSeconds}).");
        if (MaxRowsPerSecond < 1) throw new InvalidOperationException($"{Section}:MaxRowsPerSecond must be at least 1, not {MaxRowsPerSecond}.");
        if (MinSamples < 1) throw new InvalidOperationException($"{Section}:MinSamples must be at least 1, not {MinSamples}.");
        if (MaxReferenceSamples < 10) throw new InvalidOperationException($"{Section}:MaxReferenceSamples must be at least 10, not {MaxReferenceSamples}.");
    }
}
