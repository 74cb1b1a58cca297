using System.Text.Json;
using System.Text.Json.Serialization;
using Portal.Client.Http;
using Portal.Client.Models;
using Portal.Contracts;
using Portal.Contracts.Compression;

namespace Portal.Client;

/// <summary>
/// Compressions of model versions: a request queues a job (progress live on <c>compression:{id}</c>, see
/// <see cref="Live.LiveTopics.Compression"/>) whose result is a new, derived version of the model.
/// </summary>
public sealed class CompressionsClient
{
    // Unset settings are left out, so the server's defaults apply.
    private static readonly JsonSerializerOptions s_recipeJson = new(PortalHttp.Json) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private readonly PortalHttp _http;

    internal CompressionsClient(PortalHttp http) => _http = http;

    /// <summary>Queues a compression of version <paramref name="version"/> of <paramref name="model"/> (a Contributor's act).</summary>
    /// <param name="trainDatasetId">Fine-tuning, distillation and calibration data; default: the dataset the version was trained on.</param>
    /// <param name="testDatasetId">Where parent and child accuracy are measured; default: the dataset the version was evaluated on.</param>
    /// <exception cref="PortalApiException">The server refused the recipe (its message names the setting), or no such model or version.</exception>
    public Task<CompressionView> Request(string model, int version, CompressionRecipe recipe, Guid? trainDatasetId = null, Guid? testDatasetId = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        return _http.Post<CompressionView>($"{M(model)}/versions/{version}/compressions", new CompressRequest(ToJson(recipe), trainDatasetId, testDatasetId), ct);
    }

    public Task<CompressionView> Get(Guid id, CancellationToken ct = default) => _http.Get<CompressionView>($"api/v1/compressions/{id}", ct);

    /// <summary>The model's compressions, newest first.</summary>
    public Task<Page<CompressionView>> List(string model, int offset = 0, int limit = 50, CancellationToken ct = default) =>
        _http.GetPage<CompressionView>(M(model) + "/compressions", offset, limit, ct);

    public IAsyncEnumerable<CompressionView> ListAll(string model, CancellationToken ct = default) => _http.GetAll<CompressionView>(M(model) + "/compressions", ct);

    /// <summary>The recipe as the server reads it: the method first, unset settings left out, a distillation's student as a spec.</summary>
    public static JsonElement ToJson(CompressionRecipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        if (recipe is Distillation distillation) recipe = distillation with { Student = Spec(distillation.Student) };
        return JsonSerializer.SerializeToElement(recipe, s_recipeJson);
    }

    /// <summary>JSON text parsed; a name (a ready spec) and plain objects as they are.</summary>
    private static object Spec(object student)
    {
        if (student is not string text || !text.TrimStart().StartsWith('{')) return student ?? throw new ArgumentNullException(nameof(student), "The student spec is required.");
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"The student spec is not valid JSON: {e.Message}", nameof(student), e);
        }
    }

    private static string M(string name) => "api/v1/models/" + PortalHttp.Segment(name);
}
