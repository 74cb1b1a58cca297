namespace Portal.Engine.Data;

/// <summary>
/// Zalando's Fashion-MNIST (28×28 grey images, 10 classes; 60 000 for training, 10 000 for test) as Debian's
/// <c>dataset-fashion-mnist</c> package installs it.
/// </summary>
public static class FashionMnist
{
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";
    public const string DebianPackage = "dataset-fashion-mnist";

    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The 60 000 training images as [1, 28, 28] samples with pixel values 0..255.</summary>
    public static Dataset LoadTrain(string? directory = null) =>
        Load(directory, "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "fashion-mnist-train");

    /// <summary>The 10 000 test images as [1, 28, 28] samples with pixel values 0..255.</summary>
    public static Dataset LoadTest(string? directory = null) =>
        Load(directory, "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "fashion-mnist-test");

    private static Dataset Load(string? directory, string imagesFile, string labelsFile, string name)
    {
        directory ??= DefaultDirectory;
        var images = Path.Combine(directory, imagesFile);
        var labels = Path.Combine(directory, labelsFile);
        var missing = new[] { images, labels }.Where(p => !File.Exists(p)).Select(Path.GetFileName).ToList();
        if (missing.Count > 0)
            throw new FileNotFoundException(
                $"Fashion-MNIST is not installed at {directory}: install the Debian package {DebianPackage} (scripts/setup.sh does). " +
                $"Missing: {string.Join(", ", missing)}.",
                File.Exists(images) ? labels : images);
        return IdxLoader.LoadImagesAndLabels(images, labels, name, ClassNames);
    }
}
