namespace Portal.Server.Hosting;

/// <summary>The "Portal" configuration section (environment: Portal__Database__Provider=postgres, …).</summary>
public sealed class PortalOptions
{
    public const string Section = "Portal";

    /// <summary>Where the SQLite file, artifacts and checkpoints live; PORTAL_DATA overrides.</summary>
    public string DataDirectory { get; set; } = "data";

    public DatabaseOptions Database { get; set; } = new();
    public JobOptions Jobs { get; set; } = new();
    public AuditOptions Audit { get; set; } = new();
    public KeyRingOptions KeyRing { get; set; } = new();
    public Artifacts.ArtifactOptions Artifacts { get; set; } = new();

    /// <summary>The first admin's password; without it a one-time password is generated and printed on first start.</summary>
    public string? AdminPassword { get; set; }

    /// <summary>Register Debian's Fashion-MNIST as ready datasets at start when it is installed.</summary>
    public bool RegisterBuiltinDatasets { get; set; } = true;

    public long MaxUploadBytes { get; set; } = 200L * 1024 * 1024;

    /// <summary>
    /// How old a stored file that no row references must be before start-up removes it: younger ones may belong to
    /// an upload another node is still committing.
    /// </summary>
    public TimeSpan UnreferencedArtifactGrace { get; set; } = TimeSpan.FromHours(1);
    public long MaxJsonBodyBytes { get; set; } = 1024 * 1024;
}

public sealed class DatabaseOptions
{
    /// <summary><c>sqlite</c> (default, a file in the data folder) or <c>postgres</c>.</summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>Required for postgres; for sqlite, defaults to portal.db in the data folder.</summary>
    public string? ConnectionString { get; set; }
}

public sealed class JobOptions
{
    /// <summary>Training jobs run at once; one on a 2-core machine keeps libtorch's threads from fighting.</summary>
    public int TrainingConcurrency { get; set; } = 1;

    /// <summary>Evaluation and export jobs run at once.</summary>
    public int OtherConcurrency { get; set; } = 1;

    /// <summary>
    /// How long a runner's hold on a job lasts without renewal (renewed every third of it). A job whose runner stopped
    /// renewing is taken over by another runner once it passes (PostgreSQL).
    /// </summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(15);
}

public sealed class AuditOptions
{
    /// <summary>How often the audit chain's head is checkpointed to audit/checkpoints.jsonl (when it has grown).</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(1);
}

public sealed class KeyRingOptions
{
    /// <summary>A PKCS#12 (.pfx) file whose certificate encrypts the data-protection keys at rest; unset, they are stored unencrypted.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The password of <see cref="CertificatePath"/>.</summary>
    public string? CertificatePassword { get; set; }
}
