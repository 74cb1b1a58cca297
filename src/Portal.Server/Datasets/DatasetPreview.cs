using Portal.Contracts.Datasets;

namespace Portal.Server.Datasets;

/// <summary>
/// What the Datasets page shows of a dataset's content: class balance, the first images as grey thumbnails
/// (image datasets), the first rows and per-column statistics (tabular ones), or the first texts and the statistics
/// through the tokenizer (text ones).
/// </summary>
public sealed class DatasetPreview(DatasetLoader loader)
{
    public const int Thumbnails = 48;
    public const int Rows = 10;

    public sealed record ClassCount(string Name, int Count);

    /// <summary>One image: width × height grey levels 0–255, row-major, and its class name.</summary>
    public sealed record Thumbnail(int Width, int Height, byte[] Grey, string Label);

    public sealed record ColumnStats(string Name, double Min, double Max, double Mean, double StdDev);

    /// <summary>One text as the preview lists it: its class and its first characters.</summary>
    public sealed record TextSample(string Label, string Text);

    public sealed record View(
        IReadOnlyList<ClassCount> Classes,
        IReadOnlyList<Thumbnail> Images,
        IReadOnlyList<ColumnStats> Columns,
        IReadOnlyList<IReadOnlyList<string>> FirstRows,
        TextStatisticsView? Text = null,
        IReadOnlyList<TextSample>? FirstTexts = null);

    public const int TextPreviewLength = 160;

    /// <summary>A text dataset's statistics through its own tokenizer.</summary>
    /// <exception cref="Refusal">No such dataset, or it is not text.</exception>
    public async Task<TextStatisticsView> TextStatistics(Guid datasetId, CancellationToken ct)
    {
        var text = await loader.LoadText(datasetId, ct);
        return DatasetViews.View(datasetId, text.Texts, Portal.Engine.Data.TextStatistics.Measure(text.Texts, text.Tokenizer));
    }

    public async Task<View> Read(Guid datasetId, CancellationToken ct)
    {
        if (await loader.TryLoadText(datasetId, ct) is { } text)
        {
            var statistics = await TextStatistics(datasetId, ct);
            var first = text.Texts.Texts.Take(Rows).Select((t, i) => new TextSample(
                text.Texts.ClassNames[text.Texts.Labels[i]], t.Length > TextPreviewLength ? t[..TextPreviewLength] + "…" : t));
            return new View([.. statistics.Classes.Select(c => new ClassCount(c.Name, c.Count))], [], [], [], statistics, [.. first]);
        }
        var data = await loader.Load(datasetId, ct);
        var classes = new List<ClassCount>();
        if (data.IsClassification)
        {
            var counts = new int[data.ClassNames.Count];
            foreach (var label in data.Labels) counts[label]++;
            classes.AddRange(data.ClassNames.Select((name, i) => new ClassCount(name, counts[i])));
        }
        var shape = data.SampleShape;
        var isImage = shape.Count == 3 && shape[0] == 1 || shape.Count == 2;
        if (isImage)
        {
            var (height, width) = shape.Count == 3 ? (shape[1], shape[2]) : (shape[0], shape[1]);
            var images = new List<Thumbnail>();
            for (var i = 0; i < Math.Min(Thumbnails, data.Count); i++)
            {
                var sample = data.Sample(i);
                float min = float.MaxValue, max = float.MinValue;
                foreach (var v in sample)
                {
                    min = Math.Min(min, v);
                    max = Math.Max(max, v);
                }
                var scale = max > min ? 255f / (max - min) : 0f;
                var grey = new byte[sample.Length];
                for (var p = 0; p < sample.Length; p++) grey[p] = (byte)Math.Clamp((sample[p] - min) * scale, 0, 255);
                images.Add(new Thumbnail(width, height, grey, data.IsClassification ? data.ClassNames[data.Labels[i]] : ""));
            }
            return new View(classes, images, [], []);
        }

        var columns = new List<ColumnStats>();
        var features = data.FeatureCount;
        for (var c = 0; c < features; c++)
        {
            double sum = 0, sumSquares = 0, lo = double.MaxValue, hi = double.MinValue;
            for (var i = 0; i < data.Count; i++)
            {
                double v = data.Features[i * features + c];
                sum += v;
                sumSquares += v * v;
                lo = Math.Min(lo, v);
                hi = Math.Max(hi, v);
            }
            var mean = data.Count > 0 ? sum / data.Count : 0;
            var variance = data.Count > 0 ? Math.Max(0, sumSquares / data.Count - mean * mean) : 0;
            columns.Add(new ColumnStats($"x{c}", lo, hi, mean, Math.Sqrt(variance)));
        }
        var rows = new List<IReadOnlyList<string>>();
        for (var i = 0; i < Math.Min(Rows, data.Count); i++)
        {
            var row = data.Sample(i).ToArray().Select(v => v.ToString("G5", System.Globalization.CultureInfo.InvariantCulture)).ToList();
            row.Add(data.IsClassification ? data.ClassNames[data.Labels[i]] : data.Targets[i * data.TargetWidth].ToString("G5", System.Globalization.CultureInfo.InvariantCulture));
            rows.Add(row);
        }
        return new View(classes, [], columns, rows);
    }
}
