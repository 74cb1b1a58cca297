using Portal.Engine.Data;

namespace Portal.Engine.Tests.Data;

public sealed class ClassOrderTests
{
    private static Dataset Spelt() => new("spelt", [1f, 2f, 3f], [1], [0, 1, 0], ["benign", "malignant"]);

    [Fact]
    public void Labels_are_renumbered_into_the_models_order_of_the_same_names()
    {
        var aligned = ClassOrder.Align(Spelt(), ["malignant", "benign"], "model 'm'");

        Assert.Equal(["malignant", "benign"], aligned.ClassNames);
        Assert.Equal([1, 0, 1], aligned.Labels.ToArray());
        Assert.Equal([1f, 2f, 3f], aligned.Features.ToArray());
    }

    [Fact]
    public void Other_class_names_are_a_mismatch_naming_both_lists()
    {
        var reason = ClassOrder.Mismatch(["0", "1"], "model 'm'", Spelt());

        Assert.Equal("model 'm' has the classes [0, 1] but dataset 'spelt' has [benign, malignant]", reason);
        Assert.Throws<ArgumentException>(() => ClassOrder.Align(Spelt(), ["0", "1"], "model 'm'"));
    }

    [Fact]
    public void A_model_without_class_names_is_left_to_the_count_check()
    {
        Assert.Null(ClassOrder.Mismatch([], "model 'm'", Spelt()));
        Assert.Equal([0, 1, 0], ClassOrder.Align(Spelt(), [], "model 'm'").Labels.ToArray());
    }
}
