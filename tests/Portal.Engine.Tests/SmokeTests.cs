using static TorchSharp.torch;
public class SmokeTests
{
    [Fact]
    public void Torch_adds()
    {
        using var a = ones(2, 2);
        Assert.Equal(4f, a.sum().item<float>());
    }
}
