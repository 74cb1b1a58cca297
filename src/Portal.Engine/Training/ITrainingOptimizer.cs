namespace Portal.Engine.Training;

/// <summary>The optimiser as the training loop sees it: one update per step, a settable rate, and resumable state.</summary>
internal interface ITrainingOptimizer : IDisposable
{
    void SetLearningRate(double rate);

    void Step();

    void Save(string path);

    void Load(string path);
}
