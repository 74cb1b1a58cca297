using TorchSharp.Modules;

namespace Portal.Engine.Training;

/// <summary>One of TorchSharp's own optimisers.</summary>
internal sealed class TorchOptimizer(OptimizerHelper optimizer) : ITrainingOptimizer
{
    public void SetLearningRate(double rate)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = rate;
    }

    public void Step() => optimizer.step();

    public void Save(string path)
    {
        using var writer = new BinaryWriter(File.Create(path));
        optimizer.save_state_dict(writer);
    }

    public void Load(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        optimizer.load_state_dict(reader);
    }

    public void Dispose() => optimizer.Dispose();
}
