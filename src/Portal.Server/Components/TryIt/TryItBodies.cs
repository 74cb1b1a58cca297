using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Portal.Contracts.Registry;
using Portal.Engine.Data;

namespace Portal.Server.Components.TryIt;

/// <summary>
/// The V2 inference request body each way of giving input stands for, so every mode runs as a pasted body runs:
/// through /v2's own parsing, checks and inference. A classifier's classes are asked for with /v2's classification
/// extension. What cannot become a body is refused here, naming the problem.
/// </summary>
public static class TryItBodies
{
    /// <summary>Texts, one row each, as the BYTES input <c>text</c> [n].</summary>
    public static byte[] Text(TryItTarget target, IReadOnlyList<string> texts)
    {
        if (!target.TakesText) throw Refusal.Invalid($"Version {Describe(target)} carries no tokenizer, so it takes no text.");
        if (texts.Count == 0) throw Refusal.Invalid("Type at least one text (one per line).");
        return Write(target, w => Tensor(w, "text", "BYTES", [texts.Count], () =>
        {
            foreach (var text in texts) w.WriteStringValue(text);
        }));
    }

    /// <summary>
    /// Image <paramref name="number"/> (1-based) of an IDX file, read by the loader that reads uploaded IDX datasets
    /// (grey levels as stored, which is what a Portal model's graph standardises), as one row of the version's image input.
    /// </summary>
    public static byte[] Image(TryItTarget target, Stream idx, string fileName, int number)
    {
        var input = target.SoleInput is { } sole && TryItModes.IsImage(sole) ? sole
            : throw Refusal.Invalid($"Version {Describe(target)} does not take one image input [batch, (channels,) height, width].");
        IdxImages images;
        try
        {
            images = IdxLoader.ReadImages(idx, fileName);
        }
        catch (DatasetFormatException e)
        {
            throw Refusal.Invalid(e.Message, e);
        }
        if (number < 1 || number > images.Count)
            throw Refusal.Invalid($"'{fileName}' holds {images.Count} image{(images.Count == 1 ? "" : "s")}; there is no image {number}.");
        var shape = ImageShape(input, images.Height, images.Width)
            ?? throw Refusal.Invalid($"'{fileName}' holds {images.Height}×{images.Width} grey images; input '{input.Name}' takes [{string.Join(", ", input.Shape)}] ({Expected(input)}).");
        var pixels = images.Pixels.AsMemory((number - 1) * images.Height * images.Width, images.Height * images.Width);
        return Write(target, w => Tensor(w, input.Name, input.Datatype, shape, () =>
        {
            foreach (var value in pixels.Span) w.WriteNumberValue(value);
        }));
    }

    /// <summary>One row of comma-separated numbers as one row of the version's input [batch, columns].</summary>
    public static byte[] CsvRow(TryItTarget target, string row)
    {
        var input = target.SoleInput is { } sole && TryItModes.IsRow(sole) ? sole
            : throw Refusal.Invalid($"Version {Describe(target)} does not take one input of rows [batch, columns].");
        var columns = (int)input.Shape[1];
        var fields = row.Trim().Split(',');
        if (fields.Length != columns)
            throw Refusal.Invalid($"The row has {fields.Length} column{(fields.Length == 1 ? "" : "s")}; input '{input.Name}' takes {columns} (shape [{string.Join(", ", input.Shape)}]).");
        var values = new double[columns];
        for (var c = 0; c < columns; c++)
        {
            var field = fields[c].Trim();
            if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out values[c]) || !double.IsFinite(values[c]))
                throw Refusal.Invalid($"Column {c + 1} of {columns} is '{field}', which is not a number.");
        }
        return Write(target, w => Tensor(w, input.Name, input.Datatype, [1, columns], () =>
        {
            foreach (var value in values) w.WriteNumberValue(value);
        }));
    }

    /// <summary>A body to start a pasted one from: each input at batch 1 (other dynamic dimensions 1), its values zeros or empty strings.</summary>
    public static string Example(TryItTarget target)
    {
        var body = Json(inputs: target.Signature.Inputs.Select<TensorSignatureView, Action<Utf8JsonWriter>>(input => w =>
        {
            var shape = input.Shape.Select(size => size < 0 ? 1 : size).ToArray();
            var count = shape.Aggregate(1L, (product, size) => product * size);
            Tensor(w, input.Name, input.Datatype, shape, () =>
            {
                for (var i = 0L; i < Math.Min(count, MaxExampleValues); i++)
                {
                    switch (input.Datatype)
                    {
                        case "BYTES": w.WriteStringValue(""); break;
                        case "BOOL": w.WriteBooleanValue(false); break;
                        default: w.WriteNumberValue(0); break;
                    }
                }
            });
        }).ToList(), indented: true);
        return System.Text.Encoding.UTF8.GetString(body);
    }

    /// <summary>Above this many values per input the example body is left with fewer values than its shape (for the user to fill).</summary>
    public const int MaxExampleValues = 4096;

    private static long[]? ImageShape(TensorSignatureView input, int height, int width)
    {
        if (input.Shape.Count == 2) return input.Shape[1] == (long)height * width ? [1, input.Shape[1]] : null;
        var shape = input.Shape.ToArray();
        var h = shape.Length - 2;
        var w = shape.Length - 1;
        if (!Fits(shape[h], height) || !Fits(shape[w], width)) return null;
        shape[h] = height;
        shape[w] = width;
        if (shape.Length == 4)
        {
            if (!Fits(shape[1], 1)) return null;
            shape[1] = 1;
        }
        shape[0] = 1;
        return shape;
    }

    private static bool Fits(long declared, long size) => declared < 0 || declared == size;

    private static string Expected(TensorSignatureView input) => input.Shape.Count switch
    {
        2 => $"{input.Shape[1]} values in a row: one {TryItModes.FlatSide(input.Shape[1])}×{TryItModes.FlatSide(input.Shape[1])} grey image",
        4 => "one grey channel, height and width as declared",
        _ => "height and width as declared",
    };

    private static string Describe(TryItTarget target) => target.Version is { } v ? $"{target.Model} v{v}" : $"{target.Model}/{target.Alias}";

    /// <summary>One tensor of <c>inputs</c>: its name, datatype and shape, and <c>data</c> as <paramref name="values"/> writes it.</summary>
    private static void Tensor(Utf8JsonWriter w, string name, string datatype, IEnumerable<long> shape, Action values)
    {
        w.WriteString("name", name);
        w.WriteString("datatype", datatype);
        w.WriteStartArray("shape");
        foreach (var size in shape) w.WriteNumberValue(size);
        w.WriteEndArray();
        w.WriteStartArray("data");
        values();
        w.WriteEndArray();
    }

    private static byte[] Write(TryItTarget target, Action<Utf8JsonWriter> input) => Json([input], indented: false, target.Classifier is null ? null : target);

    /// <param name="classified">
    /// A classifier, whose every output is asked for by name, its classifier output with the classification extension
    /// (its top <see cref="TryItAnswer.TopClasses"/> classes); null to leave <c>outputs</c> out (every output comes back).
    /// </param>
    private static byte[] Json(IReadOnlyList<Action<Utf8JsonWriter>> inputs, bool indented, TryItTarget? classified = null)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            w.WriteStartObject();
            w.WriteStartArray("inputs");
            foreach (var input in inputs)
            {
                w.WriteStartObject();
                input(w);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (classified?.Classifier is { } classifier)
            {
                w.WriteStartArray("outputs");
                foreach (var output in classified.Signature.Outputs)
                {
                    w.WriteStartObject();
                    w.WriteString("name", output.Name);
                    if (output.Name == classifier.Output)
                    {
                        w.WriteStartObject("parameters");
                        w.WriteNumber("classification", Math.Min(TryItAnswer.TopClasses, classifier.Classes));
                        w.WriteEndObject();
                    }
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
