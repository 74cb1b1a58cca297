using System.Text;

namespace Portal.Engine.Data;

/// <summary>
/// Splits CSV text into records as RFC 4180 describes: fields separated by the delimiter, records by CRLF, LF or CR;
/// a field in double quotes may hold delimiters, line breaks and doubled quotes (<c>""</c> for one <c>"</c>).
/// Lines that are empty or hold only spaces are not records. Tracks physical line numbers (1-based) for messages.
/// </summary>
internal sealed class CsvRecordReader(string text, char delimiter, string source)
{
    private readonly StringBuilder _quoted = new();
    private int _position = text.Length > 0 && text[0] == '\uFEFF' ? 1 : 0;
    private int _line = 1;

    /// <summary>Skips up to <paramref name="count"/> physical lines, without regard to quotes; returns how many there were.</summary>
    public int SkipLines(int count)
    {
        var skipped = 0;
        while (skipped < count && _position < text.Length)
        {
            while (_position < text.Length && text[_position] is not ('\r' or '\n')) _position++;
            EndLine();
            skipped++;
        }
        return skipped;
    }

    /// <summary>Reads the next record into <paramref name="fields"/>; false at the end of the text.</summary>
    public bool TryRead(List<string> fields, out int line)
    {
        fields.Clear();
        SkipBlankLines();
        line = _line;
        if (_position >= text.Length) return false;
        while (true)
        {
            fields.Add(_position < text.Length && text[_position] == '"' ? ReadQuoted(fields.Count) : ReadUnquoted());
            if (_position >= text.Length) return true;
            var c = text[_position];
            if (c == delimiter)
            {
                _position++;
                continue;
            }
            EndLine();
            return true;
        }
    }

    private string ReadUnquoted()
    {
        var start = _position;
        while (_position < text.Length && text[_position] is var c && c != delimiter && c is not ('\r' or '\n')) _position++;
        return text[start.._position];
    }

    private string ReadQuoted(int fieldIndex)
    {
        var openedOn = _line;
        _quoted.Clear();
        _position++;
        while (true)
        {
            if (_position >= text.Length)
                throw new DatasetFormatException(
                    $"'{source}' line {openedOn}: the quoted field {fieldIndex + 1} is not closed before the end of the file.");
            var c = text[_position];
            if (c == '"')
            {
                if (_position + 1 < text.Length && text[_position + 1] == '"')
                {
                    _quoted.Append('"');
                    _position += 2;
                    continue;
                }
                _position++;
                break;
            }
            if (c is '\r' or '\n')
            {
                var lineBreakStart = _position;
                EndLine();
                _quoted.Append(text, lineBreakStart, _position - lineBreakStart);
                continue;
            }
            _quoted.Append(c);
            _position++;
        }
        if (_position < text.Length && text[_position] is var next && next != delimiter && next is not ('\r' or '\n'))
            throw new DatasetFormatException(
                $"'{source}' line {_line}: field {fieldIndex + 1} has '{next}' after its closing quote; expected '{delimiter}' or the end of the line.");
        return _quoted.ToString();
    }

    private void SkipBlankLines()
    {
        while (_position < text.Length)
        {
            var end = _position;
            while (end < text.Length && text[end] == ' ') end++;
            if (end < text.Length && text[end] is not ('\r' or '\n')) return;
            _position = end;
            if (_position >= text.Length) return;
            EndLine();
        }
    }

    /// <summary>Steps over the line break at the current position (CRLF, LF or CR), if any, and counts the line.</summary>
    private void EndLine()
    {
        if (_position >= text.Length) return;
        if (text[_position] == '\r') _position++;
        if (_position < text.Length && text[_position] == '\n') _position++;
        _line++;
    }
}
