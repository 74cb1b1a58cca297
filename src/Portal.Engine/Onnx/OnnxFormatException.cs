namespace Portal.Engine.Onnx;

/// <summary>Bytes that are not a usable ONNX model (not ONNX, truncated, or refused by the runtime); the message says which and where.</summary>
public sealed class OnnxFormatException : Exception
{
    public OnnxFormatException(string message) : base(message) { }

    public OnnxFormatException(string message, Exception inner) : base(message, inner) { }
}
