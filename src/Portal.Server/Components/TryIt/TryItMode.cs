namespace Portal.Server.Components.TryIt;

/// <summary>How a panel's user gives the input.</summary>
public enum TryItMode
{
    /// <summary>Strings, one per row, as the BYTES input <c>text</c> of a version that carries its tokenizer.</summary>
    Text,

    /// <summary>An IDX image file, its pixels shaped as the version's one image input [batch, (channels,) height, width].</summary>
    Image,

    /// <summary>One row of numbers for a version whose one input is [batch, columns].</summary>
    CsvRow,

    /// <summary>A whole V2 inference request body, for any signature.</summary>
    Json,
}
