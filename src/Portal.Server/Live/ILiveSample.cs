namespace Portal.Server.Live;

/// <summary>
/// An event that is one point of a dense series (a training step's loss): when a viewer lags, a stretch of such
/// points is reduced to its minimum, maximum and last by <see cref="SampleValue"/>. Other events are always sent.
/// </summary>
public interface ILiveSample
{
    double SampleValue { get; }
}
