namespace Portal.Engine.Models;

/// <summary>
/// A spec's layers at any depth, each block before what it holds (the order of <see cref="ShapeReport.Blocks"/>),
/// with the prefix its weights are named by in the network's state (<c>3</c>, <c>3.body.1</c>, <c>3.projection.0</c>,
/// <c>2.0</c> inside a sequential block).
/// </summary>
internal static class LayerTree
{
    public static IEnumerable<(LayerSpec Layer, string WeightPrefix)> PreOrder(ModelSpec spec) => Walk(spec.Layers, null);

    private static IEnumerable<(LayerSpec, string)> Walk(IReadOnlyList<LayerSpec> layers, string? prefix)
    {
        for (var i = 0; i < layers.Count; i++)
        {
            var name = prefix is null ? Index(i) : $"{prefix}.{Index(i)}";
            yield return (layers[i], name);
            var children = layers[i] switch
            {
                SequentialBlock b => Walk(b.Layers, name),
                ResidualBlock r => Walk(r.Body, $"{name}.body").Concat(r.Projection is null ? [] : Walk(r.Projection, $"{name}.projection")),
                _ => [],
            };
            foreach (var child in children) yield return child;
        }
    }

    private static string Index(int i) => i.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
