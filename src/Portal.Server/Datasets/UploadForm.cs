using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Portal.Server.Artifacts;

namespace Portal.Server.Datasets;

/// <summary>
/// A multipart/form-data upload read as it arrives: each file part streams straight into the artifact store
/// (never whole in memory) as a file of <paramref name="batch"/>, which removes it again if the upload is refused;
/// text parts are kept as strings. Together the files may hold at most the upload limit.
/// </summary>
public sealed class UploadForm(ArtifactBatch batch, string mediaType, long maxBytes)
{
    private const int MaxTextBytes = 64 * 1024;
    private const int MaxParts = 32;
    private readonly Dictionary<string, List<string>> _fields = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, StoredFile> _files = new(StringComparer.OrdinalIgnoreCase);

    public sealed record StoredFile(string Part, string? FileName, string Sha256, long Size);

    public async Task Read(string? contentType, Stream body, CancellationToken ct)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media) || !media.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            throw Refusal.Invalid($"The upload must be multipart/form-data, not '{contentType ?? "no content type"}'.");
        var boundary = HeaderUtilities.RemoveQuotes(media.Boundary).Value;
        if (string.IsNullOrEmpty(boundary)) throw Refusal.Invalid("The multipart/form-data upload has no boundary.");

        var reader = new MultipartReader(boundary, body);
        long total = 0;
        var parts = 0;
        while (await reader.ReadNextSectionAsync(ct) is { } section)
        {
            if (++parts > MaxParts) throw Refusal.Invalid($"The upload has more than {MaxParts} parts.");
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.DispositionType.Equals("form-data"))
                throw Refusal.Invalid($"Upload part {parts} has no form-data Content-Disposition.");
            var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
            if (string.IsNullOrEmpty(name)) throw Refusal.Invalid($"Upload part {parts} has no name.");

            if (disposition.IsFileDisposition())
            {
                if (_files.ContainsKey(name)) throw Refusal.Invalid($"The upload has two '{name}' files.");
                ArtifactStore.Stored stored;
                try
                {
                    stored = await batch.Write(section.Body, mediaType, ct, maxBytes - total);
                }
                catch (ArtifactTooLargeException)
                {
                    throw new ArtifactTooLargeException(maxBytes);
                }
                total += stored.Size;
                var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                _files[name] = new StoredFile(name, fileName, stored.Sha256, stored.Size);
            }
            else
            {
                if (!_fields.TryGetValue(name, out var values)) _fields[name] = values = [];
                values.Add(await ReadText(section.Body, name, ct));
            }
        }
    }

    /// <summary>Refuses, by name, any field or file part the operation does not take: a misspelt option must not be ignored.</summary>
    /// <exception cref="Refusal">The upload has a part not in <paramref name="fields"/> or <paramref name="files"/>.</exception>
    public void RefuseUnknown(IReadOnlyCollection<string> fields, IReadOnlyCollection<string> files)
    {
        string[] unknown =
        [
            .. _fields.Keys.Where(f => !fields.Contains(f, StringComparer.OrdinalIgnoreCase)).Select(f => $"field '{f}'"),
            .. _files.Keys.Where(f => !files.Contains(f, StringComparer.OrdinalIgnoreCase)).Select(f => $"file part '{f}'"),
        ];
        if (unknown.Length > 0)
            throw Refusal.Invalid(
                $"The upload has the unknown {string.Join(" and ", unknown)}; this upload takes the fields {string.Join(", ", fields)} and the file part{(files.Count == 1 ? "" : "s")} {string.Join(", ", files)}.");
    }

    /// <exception cref="Refusal">The upload has no such file part.</exception>
    public StoredFile File(string part) =>
        _files.TryGetValue(part, out var file) ? file : throw Refusal.Invalid($"The upload has no '{part}' file part.");

    /// <summary>The field's value, trimmed; null when absent or blank.</summary>
    public string? Text(string field) =>
        _fields.TryGetValue(field, out var values) && values.Count > 0 && !string.IsNullOrWhiteSpace(values[^1]) ? values[^1].Trim() : null;

    public string RequiredText(string field) => Text(field) ?? throw Refusal.Invalid($"The upload has no '{field}' field.");

    /// <summary>Every value of a repeated field, each also split at commas; null when absent.</summary>
    public IReadOnlyList<string>? List(string field) =>
        _fields.TryGetValue(field, out var values) && values.Any(v => !string.IsNullOrWhiteSpace(v))
            ? [.. values.SelectMany(v => v.Split(',')).Select(v => v.Trim())]
            : null;

    public int? Integer(string field)
    {
        if (Text(field) is not { } text) return null;
        return int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Refusal.Invalid($"Field '{field}' must be a whole number, not '{text}'.");
    }

    public bool? Boolean(string field)
    {
        if (Text(field) is not { } text) return null;
        return bool.TryParse(text, out var value) ? value : throw Refusal.Invalid($"Field '{field}' must be true or false, not '{text}'.");
    }

    private static async Task<string> ReadText(Stream body, string name, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxTextBytes) throw Refusal.Invalid($"Field '{name}' is longer than {MaxTextBytes} bytes.");
            buffer.Write(chunk, 0, read);
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
