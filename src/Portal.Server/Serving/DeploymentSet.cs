using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Contracts.Serving;
using Portal.Engine.Inference;
using Portal.Server.Artifacts;
using Portal.Server.Live;
using Portal.Server.Persistence;
using Portal.Server.Registry;

namespace Portal.Server.Serving;

/// <summary>
/// Every deployment (model, alias) the portal serves. An alias move (heard from <see cref="AliasMover"/>) or a
/// settings change reconciles the deployment with the database: the new version is loaded and warmed while the
/// old one keeps serving, then routing switches in one step and the old version is freed when its last request
/// ends. A version that cannot be loaded leaves the deployment as it was, with the reason in <see cref="Deployment.Problem"/>.
/// </summary>
public sealed class DeploymentSet : IAliasMoveObserver, IDisposable
{
    private readonly ConcurrentDictionary<(string Model, string Alias), Deployment> _deployments = new();
    private readonly IServiceScopeFactory _scopes;
    private readonly IServiceProvider _services;
    private readonly ServingOptions _options;
    private readonly LiveBus _bus;
    private readonly TimeProvider _clock;
    private readonly ILogger<DeploymentSet> _log;
    private IServingObserver[]? _observers;
    private int _pending;

    public DeploymentSet(IServiceScopeFactory scopes, IServiceProvider services, IOptions<ServingOptions> options, IMeterFactory meters,
        LiveBus bus, TimeProvider clock, ILogger<DeploymentSet> log)
    {
        _scopes = scopes;
        _services = services;
        _options = options.Value;
        Defaults = _options.Batching.Validated();
        _bus = bus;
        _clock = clock;
        _log = log;
        Meter = new ServingMeter(meters, Throughput, QueueDepths);
    }

    public BatchingSettings Defaults { get; }

    internal ServingMeter Meter { get; }

    /// <summary>True once the deployments that existed at start have been loaded (or found unloadable).</summary>
    public bool StartedUp { get; private set; }

    /// <summary>Loads or swaps still under way.</summary>
    public int Pending => Volatile.Read(ref _pending);

    public IEnumerable<Deployment> All => _deployments.Values.OrderBy(d => d.Model, StringComparer.Ordinal).ThenBy(d => d.Alias, StringComparer.Ordinal);

    public Deployment? Find(string model, string alias) => _deployments.GetValueOrDefault((model, alias));

    public IEnumerable<Deployment> OfModel(string model) => _deployments.Values.Where(d => d.Model == model);

    /// <summary>Loads every alias that exists; run once at start, before requests are taken.</summary>
    public async Task LoadAll(CancellationToken ct)
    {
        List<(Guid ModelId, string Alias)> aliases;
        await using (var scope = _scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            aliases = (await db.Aliases.AsNoTracking().Select(a => new { a.ModelId, a.Name }).ToListAsync(ct)).Select(a => (a.ModelId, a.Name)).ToList();
        }
        foreach (var (modelId, alias) in aliases) await Reconcile(modelId, alias, ct);
        StartedUp = true;
    }

    /// <summary>Listed at once (loading) when the alias is new, so its deployment answers from the moment the move is saved; loaded in the background.</summary>
    public void Moved(AliasMove move)
    {
        _deployments.GetOrAdd((move.ModelName, move.Alias), _ => new Deployment(move.ModelId, move.ModelName, move.Alias, Defaults));
        Start(move.ModelId, move.Alias);
    }

    /// <summary>Reconciles in the background (after an alias move or a settings change); errors are logged and kept on the deployment.</summary>
    public void Start(Guid modelId, string alias)
    {
        Interlocked.Increment(ref _pending);
        _ = Task.Run(async () =>
        {
            try
            {
                await Reconcile(modelId, alias, CancellationToken.None);
            }
            finally
            {
                Interlocked.Decrement(ref _pending);
            }
        });
    }

    /// <summary>Brings the deployment of (model, alias) in line with the database: holder, canary and batching settings.</summary>
    public async Task Reconcile(Guid modelId, string alias, CancellationToken ct)
    {
        Deployment? deployment = null;
        try
        {
            await using var scope = _scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var model = await db.Models.AsNoTracking().FirstOrDefaultAsync(m => m.Id == modelId, ct);
            var row = await db.Aliases.AsNoTracking().FirstOrDefaultAsync(a => a.ModelId == modelId && a.Name == alias, ct);
            if (model is null || row is null)
            {
                if (model is not null && _deployments.TryRemove((model.Name, alias), out var gone)) gone.Switch(Routing.Empty);
                return;
            }
            var settings = await db.DeploymentSettings.AsNoTracking().FirstOrDefaultAsync(s => s.ModelId == modelId && s.Alias == alias, ct);
            var batching = settings?.Batching(Defaults) ?? Defaults;
            deployment = _deployments.GetOrAdd((model.Name, alias), _ => new Deployment(modelId, model.Name, alias, batching));
            await deployment.Changes.WaitAsync(ct);
            try
            {
                deployment.Batching = batching;
                deployment.BatchingForced = settings?.MaxBatchSize > 1;
                var store = scope.ServiceProvider.GetRequiredService<ArtifactStore>();
                await Apply(db, store, deployment, row.VersionId, settings, ct);
                deployment.Problem = null;
            }
            finally
            {
                deployment.Changes.Release();
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _log.LogWarning(e, "Deployment {Model}/{Alias} keeps its current versions: {Reason}", deployment?.Model ?? modelId.ToString(), alias, e.Message);
            if (deployment is not null) deployment.Problem = e.Message;
        }
    }

    private async Task Apply(PortalDbContext db, ArtifactStore store, Deployment deployment, Guid holderId, DeploymentSettings? settings, CancellationToken ct)
    {
        var current = deployment.Current;
        var canaryId = settings is { CanaryVersionId: { } c, CanaryPercent: > 0 } && c != holderId ? c : (Guid?)null;
        var loaded = new List<ServedVersion>();
        try
        {
            var primary = current.Primary?.VersionId == holderId ? current.Primary
                : await Load(db, store, deployment, holderId, canary: false, loaded, ct);
            var canary = canaryId is null ? null
                : current.Canary?.VersionId == canaryId ? current.Canary
                : await Load(db, store, deployment, canaryId.Value, canary: true, loaded, ct);
            var next = new Routing(primary, canary, canary is null ? 0 : settings!.CanaryPercent);
            var from = current.Primary;
            deployment.Switch(next);
            if (!ReferenceEquals(from, primary) && primary is not null)
            {
                _bus.Publish(DeploymentTopics.Deployment(deployment.Model, deployment.Alias), "swap",
                    new DeploymentSwap(deployment.Model, deployment.Alias, from?.Number, primary.Number, primary.VersionId, _clock.GetUtcNow()));
                _log.LogInformation("Deployment {Deployment} now serves version {Version} (was {Previous})", deployment, primary.Number, from?.Number);
            }
        }
        catch
        {
            foreach (var version in loaded) version.Release();
            throw;
        }
    }

    private async Task<ServedVersion> Load(PortalDbContext db, ArtifactStore store, Deployment deployment, Guid versionId, bool canary, List<ServedVersion> loaded, CancellationToken ct)
    {
        var version = await db.ModelVersions.AsNoTracking().FirstOrDefaultAsync(v => v.Id == versionId, ct)
            ?? throw new InvalidOperationException($"Version id {versionId} of model '{deployment.Model}' does not exist.");
        var bytes = await store.ReadVerified(version.OnnxArtifact, ct);
        var batching = deployment.Batching;
        var served = await Task.Run(() =>
        {
            var session = InferenceModel.Load(bytes, _options.Sessions, $"{deployment.Model} v{version.Number}");
            try
            {
                if (session.Inputs.Concat(session.Outputs).FirstOrDefault(t => !ProtocolDatatypes.IsServed(t.ElementType)) is { } unserved)
                    throw new InvalidOperationException(
                        $"Model '{deployment.Model}' version {version.Number} cannot be served: {unserved} has no Open Inference Protocol datatype this server reads and writes.");
                ServedVersion.WarmUp(session, _options.WarmUpRuns, batching.MaxBatchSize);
                var tokenRunCost = TokenRunCost.Measure(session, _options.WarmUpRuns);
                return new ServedVersion(deployment.Model, deployment.Alias, version.Id, version.Number, canary, session, Meter, Observers(),
                    () => deployment.Batching, new LatencyWindow(_options.MetricsWindowSeconds, _clock), _options.BatchWorkers,
                    Independence(version, session), () => deployment.BatchingForced, version.ClassNames, tokenRunCost);
            }
            catch
            {
                session.Dispose();
                throw;
            }
        }, ct);
        loaded.Add(served);
        return served;
    }

    /// <summary>
    /// The version's recorded batch independence; a typed version recorded as not checked (registered before typed
    /// models were batched) is checked now, as registration would check it today.
    /// </summary>
    private static BatchIndependence Independence(ModelVersion version, InferenceModel session)
    {
        var recorded = VersionIndependence.Of(version);
        if (recorded.Outcome != BatchIndependenceOutcome.NotChecked || session.BatchedTyped is null) return recorded;
        var now = BatchIndependenceCheck.Run(session);
        return now with { Reason = $"run when the version loaded, not at registration: {now.Reason}" };
    }

    private IServingObserver[] Observers() => _observers ??= [.. _services.GetServices<IServingObserver>()];

    private IEnumerable<Measurement<double>> Throughput()
    {
        foreach (var deployment in _deployments.Values)
        {
            foreach (var version in deployment.Current.Versions)
            {
                if (version.LastWindow is { } window) yield return new Measurement<double>(window.RequestsPerSecond, version.Tags);
            }
        }
    }

    private IEnumerable<Measurement<int>> QueueDepths()
    {
        foreach (var deployment in _deployments.Values)
        {
            foreach (var version in deployment.Current.Versions) yield return new Measurement<int>(version.QueueDepth, version.Tags);
        }
    }

    public void Dispose()
    {
        foreach (var deployment in _deployments.Values) deployment.Switch(Routing.Empty);
        _deployments.Clear();
        Meter.Dispose();
    }
}
