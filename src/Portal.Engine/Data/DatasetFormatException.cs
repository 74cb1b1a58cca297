namespace Portal.Engine.Data;

/// <summary>
/// A data file that cannot be read as a dataset; the message names the file, and where it applies the line,
/// column or sample, with what was expected and what was found.
/// </summary>
public sealed class DatasetFormatException : Exception
{
    public DatasetFormatException(string message) : base(message) { }

    public DatasetFormatException(string message, Exception inner) : base(message, inner) { }
}
