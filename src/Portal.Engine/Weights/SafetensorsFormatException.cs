namespace Portal.Engine.Weights;

/// <summary>Bytes that are not a valid safetensors file; the message names the tensor, field or byte range at fault.</summary>
public sealed class SafetensorsFormatException : Exception
{
    public SafetensorsFormatException(string message) : base(message) { }

    public SafetensorsFormatException(string message, Exception inner) : base(message, inner) { }
}
