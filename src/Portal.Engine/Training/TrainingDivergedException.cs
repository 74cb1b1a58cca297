namespace Portal.Engine.Training;

/// <summary>The loss became NaN or infinite; the run stops rather than train on garbage.</summary>
public sealed class TrainingDivergedException(int epoch, long step, double loss)
    : Exception($"diverged at epoch {epoch} step {step} (loss {loss})")
{
    public int Epoch { get; } = epoch;
    public long Step { get; } = step;
}
