using System.Globalization;
using System.Net.Http.Headers;
using Portal.Client.Http;
using Portal.Client.Models;
using Portal.Contracts;
using Portal.Contracts.Datasets;

namespace Portal.Client;

/// <summary>/api/v1/datasets.</summary>
public sealed class DatasetsClient
{
    private readonly PortalHttp _http;

    internal DatasetsClient(PortalHttp http) => _http = http;

    public Task<Page<DatasetView>> List(int offset = 0, int limit = 50, CancellationToken ct = default) => _http.GetPage<DatasetView>("api/v1/datasets", offset, limit, ct);

    public IAsyncEnumerable<DatasetView> ListAll(CancellationToken ct = default) => _http.GetAll<DatasetView>("api/v1/datasets", ct);

    public Task<DatasetView> Get(Guid id, CancellationToken ct = default) => _http.Get<DatasetView>($"api/v1/datasets/{id}", ct);

    /// <summary>Uploads an IDX image file and its label file (raw or gzip), streamed; the server validates them with the engine.</summary>
    public Task<DatasetView> ImportIdx(string name, Stream images, Stream labels, IEnumerable<string>? classNames = null, CancellationToken ct = default)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent(name), "name" },
            { File(images), "images", "images.idx" },
            { File(labels), "labels", "labels.idx" },
        };
        if (classNames is not null) form.Add(new StringContent(string.Join(",", classNames)), "classNames");
        return Upload("api/v1/datasets/idx", form, ct);
    }

    /// <summary>Uploads a CSV file, streamed; the last column is the label unless <paramref name="options"/> say otherwise.</summary>
    public Task<DatasetView> ImportCsv(string name, Stream csv, CsvImportOptions? options = null, CancellationToken ct = default)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent(name), "name" },
            { File(csv), "file", "data.csv" },
        };
        void Field(string field, string? value)
        {
            if (value is not null) form.Add(new StringContent(value), field);
        }
        Field("task", options?.Task);
        Field("labelColumn", options?.LabelColumn);
        Field("labelColumnIndex", options?.LabelColumnIndex?.ToString(CultureInfo.InvariantCulture));
        Field("delimiter", options?.Delimiter);
        Field("header", options?.Header?.ToString().ToLowerInvariant());
        Field("skipLines", options?.SkipLines?.ToString(CultureInfo.InvariantCulture));
        Field("classNames", options?.ClassNames is { } names ? string.Join(",", names) : null);
        return Upload("api/v1/datasets/csv", form, ct);
    }

    /// <summary>Uploads labelled texts (CSV or JSON Lines, UTF-8), streamed; the server builds and stores the tokenizer.</summary>
    public Task<DatasetView> ImportText(string name, Stream texts, TextImportOptions? options = null, CancellationToken ct = default)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent(name), "name" },
            { File(texts), "file", options?.Format == "jsonl" ? "texts.jsonl" : "texts.csv" },
        };
        void Field(string field, string? value)
        {
            if (value is not null) form.Add(new StringContent(value), field);
        }
        Field("format", options?.Format);
        Field("textColumn", options?.TextColumn);
        Field("labelColumn", options?.LabelColumn);
        Field("delimiter", options?.Delimiter);
        Field("minCount", options?.MinCount?.ToString(CultureInfo.InvariantCulture));
        Field("maxVocabulary", options?.MaxVocabulary?.ToString(CultureInfo.InvariantCulture));
        Field("vocabularyFrom", options?.VocabularyFrom);
        return Upload("api/v1/datasets/text", form, ct);
    }

    /// <summary>A text dataset's token lengths, vocabulary coverage and class balance.</summary>
    public Task<TextStatisticsView> TextStatistics(Guid id, CancellationToken ct = default) =>
        _http.Get<TextStatisticsView>($"api/v1/datasets/{id}/text-statistics", ct);

    private async Task<DatasetView> Upload(string path, MultipartFormDataContent form, CancellationToken ct)
    {
        using (form) return await _http.PostContent<DatasetView>(path, form, ct);
    }

    private static StreamContent File(Stream stream)
    {
        var content = new StreamContent(stream);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return content;
    }
}
