namespace Portal.Engine.Models;

/// <summary>A spec that cannot describe a network; the message names the layer and the shapes involved.</summary>
public sealed class ModelSpecException : Exception
{
    public ModelSpecException(string message) : base(message) { }

    public ModelSpecException(string message, Exception inner) : base(message, inner) { }
}
