using Portal.Contracts.Registry;

namespace Portal.Server.Components.TryIt;

/// <summary>A classifier's output: its name and how many classes it scores.</summary>
public sealed record TryItClassifier(string Output, int Classes);

/// <summary>
/// What a "try it" panel runs: a served version of <see cref="Model"/>, reached the way /v2 reaches it (by
/// <see cref="Version"/> number, as <c>/v2/models/{model}/versions/{version}/infer</c>, or through <see cref="Alias"/>,
/// as <c>/v2/models/{model}/infer?alias=</c>), with the signature /v2's metadata gives; its <see cref="Classifier"/>
/// output when it names its classes, and <see cref="TakesText"/> when it carries its tokenizer (and so takes the
/// BYTES input <c>text</c>). <see cref="Served"/> says in words which deployment serves it.
/// </summary>
public sealed record TryItTarget(string Model, int? Version, string? Alias, SignatureView Signature, TryItClassifier? Classifier, bool TakesText, string Served)
{
    /// <summary>The version's one input when it has exactly one, else null.</summary>
    public TensorSignatureView? SoleInput => Signature.Inputs.Count == 1 ? Signature.Inputs[0] : null;
}
