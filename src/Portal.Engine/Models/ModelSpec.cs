using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portal.Engine.Models;

/// <summary>
/// A network as data: the shape of one sample (without the batch dimension) and its layers in order.
/// Layer i's parameters are named <c>"{i}.weight"</c>, <c>"{i}.bias"</c> (and, for batch norm,
/// <c>"{i}.running_mean"</c>, <c>"{i}.running_var"</c>), as in a PyTorch <c>nn.Sequential</c>; a block's
/// inner layers extend the name (<c>"{i}.body.{j}.weight"</c>). With <see cref="Tokens"/> the input is token ids
/// [batch, sequence] and <see cref="InputShape"/> is [maximum length].
/// </summary>
public sealed record ModelSpec(
    string Name,
    IReadOnlyList<int> InputShape,
    IReadOnlyList<LayerSpec> Layers,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TokenInput? Tokens = null)
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        // JSON objects have no order: a layer's "type" may come after its settings (PowerShell hashtables, other clients).
        AllowOutOfOrderMetadataProperties = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private static string KnownLayerTypes => string.Join(", ",
        typeof(LayerSpec).GetCustomAttributes(typeof(JsonDerivedTypeAttribute), false).Cast<JsonDerivedTypeAttribute>().Select(a => a.TypeDiscriminator));

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    /// <summary>Parses and validates a spec; a malformed document or a wrong shape fails with a message naming the layer.</summary>
    public static ModelSpec FromJson(string json)
    {
        ModelSpec? spec;
        try
        {
            spec = JsonSerializer.Deserialize<ModelSpec>(json, s_json);
        }
        catch (JsonException e) when (e.Message.Contains("type discriminator", StringComparison.Ordinal))
        {
            throw new ModelSpecException($"The model spec names an unknown layer type at {e.Path}; known types are {KnownLayerTypes}.", e);
        }
        catch (JsonException e)
        {
            throw new ModelSpecException($"The model spec is not valid JSON for a spec: {e.Message}", e);
        }
        catch (NotSupportedException e)
        {
            throw new ModelSpecException($"The model spec names an unknown layer type or lacks a \"type\": {e.Message}", e);
        }
        if (spec is null || spec.InputShape is null || spec.Layers is null)
            throw new ModelSpecException("The model spec needs \"name\", \"inputShape\" and \"layers\".");
        spec.Infer();
        return spec;
    }

    /// <summary>Shape inference over every layer; throws <see cref="ModelSpecException"/> at the first layer that cannot take its input.</summary>
    public ShapeReport Infer() => ShapeInference.Run(this);

    public long ParameterCount => Infer().TotalParameters;

    public bool Equals(ModelSpec? other) =>
        other is not null && Name == other.Name && InputShape.SequenceEqual(other.InputShape) && Layers.SequenceEqual(other.Layers) && Tokens == other.Tokens;

    public override int GetHashCode() => HashCode.Combine(Name, InputShape.Count, Layers.Count);
}
