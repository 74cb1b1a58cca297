using System.Diagnostics;
using Portal.Engine.Data;
using Xunit.Abstractions;

namespace Portal.Engine.Tests.Data;

public sealed class FashionMnistTests(ITestOutputHelper output)
{
    [Fact]
    public void Installed_test_set_has_ten_thousand_images_of_ten_balanced_classes()
    {
        var watch = Stopwatch.StartNew();
        var test = FashionMnist.LoadTest();
        output.WriteLine($"Loaded {test.Count} test images in {watch.ElapsedMilliseconds} ms.");

        Assert.Equal(10_000, test.Count);
        Assert.Equal([1, 28, 28], test.SampleShape);
        Assert.Equal(FashionMnist.ClassNames, test.ClassNames);
        Assert.Equal("Ankle boot", test.ClassNames[9]);
        var perClass = new int[10];
        foreach (var label in test.Labels) perClass[label]++;
        Assert.All(perClass, n => Assert.Equal(1000, n));
        var features = test.Features;
        var min = float.MaxValue;
        var max = float.MinValue;
        foreach (var v in features)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        Assert.Equal(0f, min);
        Assert.Equal(255f, max);
    }

    [Fact]
    public void Installed_training_set_has_sixty_thousand_images()
    {
        var watch = Stopwatch.StartNew();
        var train = FashionMnist.LoadTrain();
        output.WriteLine($"Loaded {train.Count} training images in {watch.ElapsedMilliseconds} ms.");
        Assert.Equal(60_000, train.Count);
        Assert.Equal(60_000 * 784, train.Features.Length);
        var perClass = new int[10];
        foreach (var label in train.Labels) perClass[label]++;
        Assert.All(perClass, n => Assert.Equal(6000, n));
    }

    [Fact]
    public void Missing_installation_names_the_Debian_package()
    {
        using var empty = new TempDirectory();
        var e = Assert.Throws<FileNotFoundException>(() => FashionMnist.LoadTrain(empty.Path));
        Assert.StartsWith(
            $"Fashion-MNIST is not installed at {empty.Path}: install the Debian package dataset-fashion-mnist (scripts/setup.sh does)",
            e.Message);
        Assert.Contains("train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz", e.Message);
    }

    [Fact]
    public void Missing_labels_file_alone_is_named()
    {
        using var partial = new TempDirectory();
        File.Copy(Path.Combine(FashionMnist.DefaultDirectory, "t10k-images-idx3-ubyte.gz"), partial.File("t10k-images-idx3-ubyte.gz"));
        var e = Assert.Throws<FileNotFoundException>(() => FashionMnist.LoadTest(partial.Path));
        Assert.EndsWith("Missing: t10k-labels-idx1-ubyte.gz.", e.Message);
        Assert.Equal(partial.File("t10k-labels-idx1-ubyte.gz"), e.FileName);
    }
}
