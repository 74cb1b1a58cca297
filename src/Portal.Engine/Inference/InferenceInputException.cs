namespace Portal.Engine.Inference;

/// <summary>A tensor refused before ONNX Runtime sees it; the message names the input or output and the expected vs given shape or type.</summary>
public sealed class InferenceInputException : ArgumentException
{
    public InferenceInputException(string message) : base(message) { }
}
