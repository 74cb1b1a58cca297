using System.Buffers.Binary;
using Portal.Contracts.Training;

namespace Portal.Server.Training;

/// <summary>
/// The steps of one stored epoch, packed into one row (step, loss and learning rate as little-endian int64 and
/// float64s), saved with the epoch's figures: a finished run's step curve reads back after the live history is gone,
/// without a row per step.
/// </summary>
public sealed class RunEpochSteps
{
    private const int PointBytes = 24;

    public Guid RunId { get; set; }
    public int Epoch { get; set; }
    public byte[] Points { get; set; } = [];

    public static RunEpochSteps Pack(Guid runId, int epoch, IReadOnlyList<RunStepPoint> steps)
    {
        var points = new byte[steps.Count * PointBytes];
        for (var i = 0; i < steps.Count; i++)
        {
            var at = points.AsSpan(i * PointBytes, PointBytes);
            BinaryPrimitives.WriteInt64LittleEndian(at, steps[i].Step);
            BinaryPrimitives.WriteDoubleLittleEndian(at[8..], steps[i].Loss);
            BinaryPrimitives.WriteDoubleLittleEndian(at[16..], steps[i].LearningRate);
        }
        return new RunEpochSteps { RunId = runId, Epoch = epoch, Points = points };
    }

    public IEnumerable<RunStepPoint> Unpack()
    {
        if (Points.Length % PointBytes != 0)
            throw new InvalidDataException($"The stored steps of run {RunId}, epoch {Epoch}, are {Points.Length} bytes, not a whole number of {PointBytes}-byte points.");
        for (var offset = 0; offset < Points.Length; offset += PointBytes)
        {
            var at = Points.AsSpan(offset, PointBytes);
            yield return new RunStepPoint(BinaryPrimitives.ReadInt64LittleEndian(at), Epoch,
                BinaryPrimitives.ReadDoubleLittleEndian(at[8..]), BinaryPrimitives.ReadDoubleLittleEndian(at[16..]));
        }
    }
}
