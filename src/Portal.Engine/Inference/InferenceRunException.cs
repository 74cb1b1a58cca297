namespace Portal.Engine.Inference;

/// <summary>ONNX Runtime failed while running a model on inputs that passed validation; the message carries its reason.</summary>
public sealed class InferenceRunException : Exception
{
    public InferenceRunException(string message, Exception inner) : base(message, inner) { }
}
