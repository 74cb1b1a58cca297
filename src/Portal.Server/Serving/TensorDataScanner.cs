using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Portal.Engine.Onnx;

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
/// Reads a tensor's <c>data</c> array (flat or nested) into a float buffer, or into a typed one. Tokenising thousands
/// of numbers one by one with <see cref="Utf8JsonReader"/> was most of a request's CPU time, so the array
/// is scanned here with the JSON number grammar (strictly: no leading zeros, no trailing commas, nothing but numbers
/// and brackets) and each number parsed in the same pass (short decimals exactly, without the general parser).
/// The reader then resumes after the array: the array's last two bytes are overwritten with <c>[]</c> and a new
/// reader, in the old one's state, reads that empty array and goes on.
/// </summary>
internal static class TensorDataScanner
{
    private const int MaxNesting = 32;

    /// <summary>Significant digits below 2²⁴, exact in float32.</summary>
    private const int MaxSingleDigits = 7;

    /// <summary>Significant digits below 2⁵³, exact in float64.</summary>
    private const int MaxDoubleDigits = 15;

    /// <summary>Digits of a whole number that always fit a long.</summary>
    private const int MaxWholeDigits = 18;

    /// <summary>What <see cref="INumberSink.Take"/> returns for text outside JSON's number grammar.</summary>
    internal const int NotANumber = -1;

    /// <summary>What <see cref="INumberSink.Take"/> returns for a number its sink does not hold (out of range, not finite, or not read exactly here).</summary>
    internal const int Unheld = -2;

    private static readonly float[] s_singlePowers = [1f, 10f, 100f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f];

    private static readonly double[] s_doublePowers =
        [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

    /// <summary>Reads the array that follows the current <c>"data"</c> property; returns the number of values.</summary>
    public static int Read(ref BodyCursor body, string what, ref float[] data)
    {
        var open = Open(ref body, what, "numbers");
        var sink = new PooledSingles(data);
        var (close, count) = Scan(body.Json, open, what, ref sink);
        data = sink.Data;
        Resume(ref body, open, close);
        return count;
    }

    /// <summary>
    /// Reads a captured data array (<see cref="Capture"/>) of exactly <paramref name="values"/>' length into it, for
    /// the element types read here (FP32, FP64, BF16 and the integer types); false, with nothing refused, when the
    /// array holds anything else: another count, a value out of range for its type or not whole, a non-number, a
    /// number beyond the exact short forms, broken JSON. The caller then reads it with the full reader, whose
    /// refusals name the problem for the datatype.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> captured, OnnxElementType type, Array values) => type switch
    {
        // By the declared type, not the array's: the runtime lets a uint[] pass as an int[] (and byte[] as sbyte[]).
        OnnxElementType.Float32 => TryRead(captured, new Singles((float[])values), values.Length),
        OnnxElementType.Float64 => TryRead(captured, new Doubles((double[])values), values.Length),
        OnnxElementType.BFloat16 => TryRead(captured, new BFloat16s((Microsoft.ML.OnnxRuntime.BFloat16[])values), values.Length),
        OnnxElementType.Int64 => TryRead(captured, new Wholes<long>((long[])values), values.Length),
        OnnxElementType.Int32 => TryRead(captured, new Wholes<int>((int[])values), values.Length),
        OnnxElementType.Int16 => TryRead(captured, new Wholes<short>((short[])values), values.Length),
        OnnxElementType.Int8 => TryRead(captured, new Wholes<sbyte>((sbyte[])values), values.Length),
        OnnxElementType.UInt64 => TryRead(captured, new Wholes<ulong>((ulong[])values), values.Length),
        OnnxElementType.UInt32 => TryRead(captured, new Wholes<uint>((uint[])values), values.Length),
        OnnxElementType.UInt16 => TryRead(captured, new Wholes<ushort>((ushort[])values), values.Length),
        OnnxElementType.UInt8 => TryRead(captured, new Wholes<byte>((byte[])values), values.Length),
        _ => false,
    };

    private static bool TryRead<TSink>(ReadOnlySpan<byte> captured, TSink sink, int length) where TSink : struct, INumberSink
    {
        var (close, count) = Scan(captured, 0, "", ref sink);
        return close == captured.Length - 1 && count == length;
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

    /// <summary>
    /// The array opening at <paramref name="open"/>: where it closes and how many numbers it held. A sink that
    /// <see cref="INumberSink.Refuses"/> has every problem refused with a 400 naming it; any other gets close −1 back.
    /// </summary>
    private static (int Close, int Count) Scan<TSink>(ReadOnlySpan<byte> json, int open, string what, ref TSink sink) where TSink : struct, INumberSink
    {
        var i = open + 1;
        var depth = 1;
        var count = 0;
        var expectValue = true;
        var justOpened = true;
        while (true)
        {
            while (i < json.Length && IsWhitespace(json[i])) i++;
            if (i >= json.Length) return Problem<TSink>("The request body ends before its JSON is complete.", count);
            var c = json[i];
            if (expectValue)
            {
                if (c == (byte)'[')
                {
                    if (++depth > MaxNesting) return Problem<TSink>($"The data of input '{what}' nests arrays more than {MaxNesting} deep.", count);
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
                    return Problem<TSink>($"Value {count} of input '{what}' is {Describe(c)}, not a number (this server reads JSON tensor data only, no binary_data).", count);
                var end = sink.Take(json, i, count);
                if (end == NotANumber) return Problem<TSink>($"Value {count} of input '{what}' ({Excerpt(json, i)}) is not a valid JSON number.", count);
                if (end == Unheld) return Problem<TSink>($"Value {count} of input '{what}' ({NumberText(json, i)}) is not a finite FP32 number.", count);
                count++;
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
            return Problem<TSink>($"The data of input '{what}' is not valid JSON after value {count - 1}: expected ',' or ']' but found {Describe(c)} ({Excerpt(json, i)}).", count);
        }
    }

    private static (int Close, int Count) Problem<TSink>(string message, int count) where TSink : struct, INumberSink =>
        TSink.Refuses ? throw InferRequest.Invalid(message) : (-1, count);

    /// <summary>
    /// Reads the JSON number starting at <paramref name="start"/> and returns where it ends, or −1 when it breaks the
    /// grammar. Scanning and parsing are one pass: a number of at most seven significant digits and no exponent (what
    /// clients send: <c>0.0</c>, <c>13.0</c>, <c>-0.25</c>) is an integer below 2²⁴ over a power of ten up to 10⁷, both
    /// exact in float32, so one IEEE division gives the correctly rounded value; any other goes to the full parser.
    /// </summary>
    internal static int Number(ReadOnlySpan<byte> json, int start, out float value) => Number(json, start, MaxSingleDigits, s_singlePowers, out value);

    /// <summary>As the float reading, for float64: up to fifteen significant digits over a power of ten up to 10²², both exact.</summary>
    internal static int Number(ReadOnlySpan<byte> json, int start, out double value) => Number(json, start, MaxDoubleDigits, s_doublePowers, out value);

    private static int Number<T>(ReadOnlySpan<byte> json, int start, int maxDigits, T[] powers, out T value) where T : struct, IBinaryFloatingPointIeee754<T>
    {
        value = T.Zero;
        var end = Lex(json, start, maxDigits, out var number);
        if (end < 0) return end;
        if (number.IsShortDecimal(maxDigits) && number.Scale < powers.Length)
        {
            var magnitude = T.CreateTruncating(number.Mantissa) / powers[number.Scale];
            value = number.Negative ? -magnitude : magnitude;
            return end;
        }
        return T.TryParse(json[start..end], NumberStyles.Float, CultureInfo.InvariantCulture, out value) ? end : NotANumber;
    }

    /// <summary>A plain whole number (no fraction, no exponent, at most eighteen digits); <see cref="Unheld"/> for any other number.</summary>
    internal static int Whole(ReadOnlySpan<byte> json, int start, out long value)
    {
        value = 0;
        var end = Lex(json, start, MaxWholeDigits, out var number);
        if (end < 0) return end;
        if (number.Fraction || number.Exponent || number.Significant > MaxWholeDigits) return Unheld;
        value = number.Negative ? -number.Mantissa : number.Mantissa;
        return end;
    }

    /// <summary>A JSON number's parts as far as the fast forms need them: its first <paramref name="maxDigits"/> significant digits.</summary>
    private readonly record struct Lexed(long Mantissa, int Significant, int Scale, bool Negative, bool Fraction, bool Exponent)
    {
        public bool IsShortDecimal(int maxDigits) => !Exponent && Significant <= maxDigits;
    }

    /// <summary>Follows the JSON number grammar from <paramref name="start"/>; returns where the number ends, or −1.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static int Lex(ReadOnlySpan<byte> json, int start, int maxDigits, out Lexed number)
    {
        number = default;
        var i = start;
        var negative = json[i] == (byte)'-';
        if (negative) i++;
        if (i >= json.Length) return NotANumber;
        var mantissa = 0L;
        var significant = 0;
        if (json[i] == (byte)'0')
        {
            i++;
        }
        else if ((uint)(json[i] - '1') <= 8)
        {
            while (i < json.Length && (uint)(json[i] - '0') <= 9)
            {
                if (++significant <= maxDigits) mantissa = mantissa * 10 + (json[i] - '0');
                i++;
            }
        }
        else
        {
            return NotANumber;
        }
        var scale = 0;
        var fraction = false;
        if (i < json.Length && json[i] == (byte)'.')
        {
            fraction = true;
            i++;
            if (i >= json.Length || (uint)(json[i] - '0') > 9) return NotANumber;
            while (i < json.Length && (uint)(json[i] - '0') <= 9)
            {
                var digit = json[i] - '0';
                if (mantissa != 0 || digit != 0) significant++;
                if (significant <= maxDigits)
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
            if (i >= json.Length || (uint)(json[i] - '0') > 9) return NotANumber;
            while (i < json.Length && (uint)(json[i] - '0') <= 9) i++;
        }
        number = new Lexed(mantissa, significant, scale, negative, fraction, exponent);
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

    private static string NumberText(ReadOnlySpan<byte> json, int at) =>
        System.Text.Encoding.UTF8.GetString(json[at..Math.Max(at, Number(json, at, out float _))]);

    private static string Excerpt(ReadOnlySpan<byte> json, int at) =>
        System.Text.Encoding.UTF8.GetString(json.Slice(at, Math.Min(16, json.Length - at)));
}
