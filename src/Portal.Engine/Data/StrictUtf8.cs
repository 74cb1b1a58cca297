using System.Text;

namespace Portal.Engine.Data;

/// <summary>Text files read as UTF-8 and nothing else: a byte that is not UTF-8 is refused with its line, never replaced.</summary>
internal static class StrictUtf8
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The text, or a refusal naming the line of the first byte that is not UTF-8.</summary>
    public static string Decode(ReadOnlySpan<byte> content, string source)
    {
        if (content.StartsWith(Encoding.UTF8.Preamble)) content = content[Encoding.UTF8.Preamble.Length..];
        try
        {
            return s_strictUtf8.GetString(content);
        }
        catch (DecoderFallbackException e)
        {
            var at = FirstInvalidByte(content);
            var line = content[..Math.Min(at, content.Length)].Count((byte)'\n') + 1;
            var value = at < content.Length ? $"0x{content[at]:X2}" : "a cut-off sequence";
            throw new DatasetFormatException($"'{source}' line {line} is not UTF-8 (byte {value} at offset {at}); save the file as UTF-8.", e);
        }
    }

    private static int FirstInvalidByte(ReadOnlySpan<byte> content)
    {
        var offset = 0;
        while (offset < content.Length)
        {
            if (System.Buffers.OperationStatus.Done != Rune.DecodeFromUtf8(content[offset..], out _, out var consumed)) return offset;
            offset += consumed;
        }
        return content.Length;
    }
}
