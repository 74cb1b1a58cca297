using Microsoft.AspNetCore.Http.Features;
using Portal.Server.Api;
using Portal.Server.Artifacts;
using Portal.Server.Audit;
using Portal.Server.Auth;
using Portal.Server.Persistence;
using Scalar.AspNetCore;

namespace Portal.Server.Hosting;

/// <summary>Composes the portal: configuration, services, the HTTP pipeline and the start-up tasks.</summary>
public static class PortalServer
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        ApplyEnvironmentShortcuts(builder);
        var options = builder.Configuration.GetSection(PortalOptions.Section).Get<PortalOptions>() ?? new PortalOptions();

        // Before anything is written there: the database, the keys and artifacts are the service account's alone.
        var tightened = DataFolder.MakePrivate(options.DataDirectory);
        var artifactFolder = ArtifactOptions.FolderOf(options);
        var artifactsTightened = ArtifactOptions.InDataFolder(options) ? 0 : DataFolder.MakePrivate(artifactFolder);

        var services = builder.Services;
        services.Configure<PortalOptions>(builder.Configuration.GetSection(PortalOptions.Section));
        services.AddSingleton<TimeProvider, MicrosecondClock>();
        services.AddPortalDataProtection(options);
        services.AddProblemDetails();
        // A body or parameter that cannot be bound throws, so UsePortalProblems answers it with a problem saying what
        // was wrong, in every environment (by default only Development throws; elsewhere the 400 has no body).
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddOpenApi();
        services.Configure<FormOptions>(o => o.MultipartBodyLengthLimit = options.MaxUploadBytes);
        Api.OpenApi.OpenApiSetup.AddOpenApiDescriptions(services);
        services.AddPortalDatabase(options);
        services.AddPortalAuth();
        services.AddSingleton<IArtifactBlobs, SharedFolderArtifacts>();
        services.AddSingleton<ArtifactStore>();
        services.AddPortalAudit(options);
        services.AddSingleton<IStartupTask, AdminBootstrap>();
        services.AddSingleton<IStartupTask, ArtifactSweep>();
        services.AddHostedService<StartupRunner>();
        services.AddScoped<Registry.AliasMover>();
        services.AddSingleton<Datasets.DatasetLoader>();
        services.AddSingleton<IStartupTask, Datasets.BuiltinDatasets>();
        // Feature services: one line per feature.
        Registry.RegistrySetup.AddRegistry(services);
        Live.LiveSetup.AddPortalLive(services);
        services.AddScoped<Datasets.DatasetImporter>();
        services.AddScoped<Datasets.DatasetCatalog>();
        Jobs.JobsSetup.AddPortalJobs(services);
        Training.TrainingSetup.AddPortalTraining(services);
        Approvals.ApprovalsSetup.AddApprovals(services);
        Evaluations.EvaluationsSetup.AddEvaluations(services);
        Serving.ServingSetup.AddServing(services);
        Serving.Alerts.AlertsSetup.AddAlerts(services);
        Compression.CompressionSetup.AddCompression(services);
        Components.UiSetup.AddPortalUi(services);

        var app = builder.Build();
        if (tightened > 0) app.Logger.LogWarning("{Count} files and folders in the data folder {Folder} were readable by others and are now private to this account", tightened, Path.GetFullPath(options.DataDirectory));
        if (artifactsTightened > 0) app.Logger.LogWarning("{Count} files and folders in the artifact folder {Folder} were readable by others and are now private to this account", artifactsTightened, artifactFolder);
        app.UseSecurityHeaders();
        app.UsePortalProblems();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseJsonBodyLimit(options.MaxJsonBodyBytes);

        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        // The reference's own inline script carries the response's nonce, and it runs without eval (js/api-reference.js);
        // its fonts are the system's, not a CDN's.
        app.MapScalarApiReference("/reference", (reference, context) =>
        {
            reference.Nonce = SecurityHeaders.ScriptNonce(context);
            reference.HeadContent = "<script src=\"/js/api-reference.js\"></script>";
            reference.DefaultFonts = false;
        }).AllowAnonymous();
        var v1 = app.MapGroup("/api/v1");
        v1.MapAuthApi();
        v1.MapUsersApi();
        v1.MapApiKeysApi();
        v1.MapAuditApi();
        // Feature APIs: one line per feature.
        Registry.ModelsApi.MapModelsApi(v1);
        Datasets.DatasetsApi.MapDatasetsApi(v1);
        Jobs.JobsApi.MapJobsApi(v1);
        Training.TrainingApi.MapTrainingApi(v1);
        Approvals.ApprovalsApi.MapApprovalsApi(v1);
        Live.LiveSetup.MapLiveHub(app);
        Evaluations.EvaluationsApi.MapEvaluationsApi(v1);
        Serving.DeploymentsApi.MapDeploymentsApi(v1);
        Serving.InferenceProtocolApi.MapInferenceProtocol(app);
        Serving.Alerts.AlertsApi.MapAlertsApi(v1);
        Compression.CompressionApi.MapCompressionApi(v1);
        Components.UiSetup.MapPortalUi(app);
        return app;
    }

    /// <summary>PORTAL_PORT, PORTAL_DATA and PORTAL_ADMIN_PASSWORD, the documented shortcuts for run.sh and demos.</summary>
    private static void ApplyEnvironmentShortcuts(WebApplicationBuilder builder)
    {
        var overrides = new Dictionary<string, string?>();
        if (Environment.GetEnvironmentVariable("PORTAL_DATA") is { Length: > 0 } data) overrides["Portal:DataDirectory"] = data;
        if (Environment.GetEnvironmentVariable("PORTAL_ADMIN_PASSWORD") is { Length: > 0 } password) overrides["Portal:AdminPassword"] = password;
        if (overrides.Count > 0) builder.Configuration.AddInMemoryCollection(overrides);
        if (Environment.GetEnvironmentVariable("PORTAL_PORT") is { Length: > 0 } port && builder.Configuration["urls"] is null)
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
    }
}
