using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Portal.Server.Serving;

/// <summary>
/// A request body being read: the <see cref="Utf8JsonReader"/> over it and where that reader's span starts. The
/// reader is replaced (resuming its state) after each data array, which <see cref="TensorDataScanner"/> reads itself.
/// </summary>
internal ref struct BodyCursor
{
    public BodyCursor(Span<byte> json)
    {
        Json = json;
        Reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
    }

    public Span<byte> Json;
    public Utf8JsonReader Reader;

    /// <summary>Where <see cref="Reader"/>'s span starts in <see cref="Json"/>.</summary>
    public int ReaderStart;
}

/// <summary>
/// Reads a tensor's <c>data</c> array (flat or nested) into a float buffer. Tokenising thousands of numbers one by one
/// with <see cref="Utf8JsonReader"/> was most of a request's CPU time, so the array
/// is scanned here with the JSON number grammar (strictly: no leading zeros, no trailing commas, nothing but numbers
/// and brackets) and each number parsed in the same pass (short decimals exactly, without the general parser).
/// The reader then resumes after the array: the array's last two bytes are overwritten with <c>[]</c> and a new
/// reader, in the old one's state, reads that empty array and goes on.
/// </summary>
internal static class TensorDataScanner
{
    private const int MaxNesting = 32;
    private const int MaxFastDigits = 7;

    private static readonly float[] s_powersOfTen = [1f, 10f, 100f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f];

    /// <summary>Reads the array that follows the current <c>"data"</c> property; returns the number of values.</summary>
    public static int Read(ref BodyCursor body, string what, ref float[] data)
    {
        var open = Open(ref body, what, "numbers");
        var (close, count) = Scan(body.Json, open, what, ref data);
        Resume(ref body, open, close);
        return count;
    }

    /// <summary>
    /// Copies the array that follows the current <c>"data"</c> property, unread, for a reader of its datatype; its
    /// bracket structure is followed (strings skipped whole), its values are not checked here.
    /// </summary>
    public static byte[] Capture(ref BodyCursor body, string what)
    {
        var open = Open(ref body, what, "values");
        var json = body.Json;
        var depth = 0;
        var i = open;
        for (; i < json.Length; i++)
        {
            var c = json[i];
            if (c == (byte)'"')
            {
                for (i++; i < json.Length && json[i] != (byte)'"'; i++)
                {
                    if (json[i] == (byte)'\\') i++;
                }
                continue;
            }
            if (c == (byte)'[') depth++;
            else if (c == (byte)']' && --depth == 0) break;
        }
        if (i >= json.Length) throw InferRequest.Invalid("The request body ends before its JSON is complete.");
        var copy = json[open..(i + 1)].ToArray();
        Resume(ref body, open, i);
        return copy;
    }

    /// <summary>Where the data array opens: past the colon the reader may not have consumed.</summary>
    private static int Open(ref BodyCursor body, string what, string elements)
    {
        var json = body.Json;
        var open = body.ReaderStart + (int)body.Reader.BytesConsumed;
        while (open < json.Length && (IsWhitespace(json[open]) || json[open] == (byte)':')) open++;
        if (open >= json.Length) throw InferRequest.Invalid("The request body ends before its JSON is complete.");
        if (json[open] != (byte)'[')
            throw InferRequest.Invalid($"The data of input '{what}' must be an array of {elements}, not {Describe(json[open])}.");
        return open;
    }

    /// <summary>Lets the reader see an empty array where the data was (from <paramref name="open"/> to <paramref name="close"/>), then carry on from the same state.</summary>
    private static void Resume(ref BodyCursor body, int open, int close)
    {
        var json = body.Json;
        var state = body.Reader.CurrentState;
        var resume = close - 1;
        if (resume > open)
        {
            json[resume] = (byte)'[';
        }
        else
        {
            resume = open;
        }
        body.ReaderStart = resume;
        body.Reader = new Utf8JsonReader(json[resume..], isFinalBlock: true, state);
        if (!body.Reader.Read() || body.Reader.TokenType != JsonTokenType.StartArray || !body.Reader.Read() || body.Reader.TokenType != JsonTokenType.EndArray)
            throw new InvalidOperationException("The reader did not resume on the empty array left in place of the data.");
    }

    private static (int Close, int Count) Scan(ReadOnlySpan<byte> json, int open, string what, ref float[] data)
    {
        var i = open + 1;
        var depth = 1;
        var count = 0;
        var expectValue = true;
        var justOpened = true;
        while (true)
        {
            while (i < json.Length && IsWhitespace(json[i])) i++;
            if (i >= json.Length) throw InferRequest.Invalid("The request body ends before its JSON is complete.");
            var c = json[i];
            if (expectValue)
            {
                if (c == (byte)'[')
                {
                    if (++depth > MaxNesting) throw InferRequest.Invalid($"The data of input '{what}' nests arrays more than {MaxNesting} deep.");
                    i++;
                    justOpened = true;
                    continue;
                }
                if (c == (byte)']' && justOpened)
                {
                    i++;
                    expectValue = justOpened = false;
                    if (--depth == 0) return (i - 1, count);
                    continue;
                }
                if (c != (byte)'-' && (uint)(c - '0') > 9)
                    throw InferRequest.Invalid($"Value {count} of input '{what}' is {Describe(c)}, not a number (this server reads JSON tensor data only, no binary_data).");
                var end = Number(json, i, out var value);
                if (end < 0) throw InferRequest.Invalid($"Value {count} of input '{what}' ({Excerpt(json, i)}) is not a valid JSON number.");
                if (!float.IsFinite(value))
                    throw InferRequest.Invalid($"Value {count} of input '{what}' ({System.Text.Encoding.UTF8.GetString(json[i..end])}) is not a finite FP32 number.");
                if (count == data.Length)
                {
                    var bigger = ArrayPool<float>.Shared.Rent(data.Length * 2);
                    data.AsSpan(0, count).CopyTo(bigger);
                    ArrayPool<float>.Shared.Return(data);
                    data = bigger;
                }
                data[count++] = value;
                i = end;
                expectValue = justOpened = false;
                continue;
            }
            if (c == (byte)',')
            {
                i++;
                expectValue = true;
                continue;
            }
            if (c == (byte)']')
            {
                i++;
                if (--depth == 0) return (i - 1, count);
                continue;
            }
            throw InferRequest.Invalid($"The data of input '{what}' is not valid JSON after value {count - 1}: expected ',' or ']' but found {Describe(c)} ({Excerpt(json, i)}).");
        }
    }

    /// <summary>
    /// Reads the JSON number starting at <paramref name="start"/> and returns where it ends, or −1 when it breaks the
    /// grammar. Scanning and parsing are one pass: a number of at most seven significant digits and no exponent (what
    /// clients send: <c>0.0</c>, <c>13.0</c>, <c>-0.25</c>) is an integer below 2²⁴ over a power of ten up to 10⁷, both
    /// exact in float32, so one IEEE division gives the correctly rounded value; any other goes to the full parser.
    /// </summary>
    internal static int Number(ReadOnlySpan<byte> json, int start, out float value)
    {
        value = 0;
        var i = start;
        var negative = json[i] == (byte)'-';
        if (negative) i++;
        if (i >= json.Length) return -1;
        var mantissa = 0;
        var significant = 0;
        if (json[i] == (byte)'0')
        {
            i++;
        }
        else if ((uint)(json[i] - '1') <= 8)
        {
            while (i < json.Length && (uint)(json[i] - '0') <= 9)
            {
                if (++significant <= MaxFastDigits) mantissa = mantissa * 10 + (json[i] - '0');
                i++;
            }
        }
        else
        {
            return -1;
        }
        var scale = 0;
        if (i < json.Length && json[i] == (byte)'.')
        {
            i++;
            if (i >= json.Length || (uint)(json[i] - '0') > 9) return -1;
            while (i < json.Length && (uint)(json[i] - '0') <= 9)
            {
                var digit = json[i] - '0';
                if (mantissa != 0 || digit != 0) significant++;
                if (significant <= MaxFastDigits)
                {
                    mantissa = mantissa * 10 + digit;
                    scale++;
                }
                i++;
            }
        }
        var exponent = false;
        if (i < json.Length && (json[i] | 0x20) == (byte)'e')
        {
            exponent = true;
            i++;
            if (i < json.Length && (json[i] == (byte)'+' || json[i] == (byte)'-')) i++;
            if (i >= json.Length || (uint)(json[i] - '0') > 9) return -1;
            while (i < json.Length && (uint)(json[i] - '0') <= 9) i++;
        }
        if (!exponent && significant <= MaxFastDigits && scale < s_powersOfTen.Length)
        {
            var magnitude = mantissa / s_powersOfTen[scale];
            value = negative ? -magnitude : magnitude;
            return i;
        }
        if (!float.TryParse(json[start..i], NumberStyles.Float, CultureInfo.InvariantCulture, out value)) return -1;
        return i;
    }

    private static bool IsWhitespace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';

    private static string Describe(byte c) => c switch
    {
        (byte)'"' => "a string",
        (byte)'t' or (byte)'f' => "a boolean",
        (byte)'n' => "null",
        (byte)'{' => "an object",
        _ => $"'{(char)c}'",
    };

    private static string Excerpt(ReadOnlySpan<byte> json, int at) =>
        System.Text.Encoding.UTF8.GetString(json.Slice(at, Math.Min(16, json.Length - at)));
}
