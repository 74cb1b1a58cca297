using System.Text.Json;
using Portal.Engine.Data;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Portal.Engine.Training;

/// <summary>
/// Epoch checkpoints in a directory: each in its own <c>epoch-NNNN</c> folder (network state with batch-norm
/// statistics, optimiser state, best network so far, run state), made current by atomically replacing
/// <c>checkpoint.json</c>. A crash mid-write leaves the previous checkpoint current and intact; a write that fails
/// (a full disk) removes its half-written folder, and the next save removes any a crash left behind.
/// </summary>
internal sealed class CheckpointStore(string directory)
{
    private const string PointerFile = "checkpoint.json";
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    internal sealed record State(
        string SpecJson,
        int TrainCount,
        int Epoch,
        long GlobalStep,
        int BestEpoch,
        double? BestMetric,
        int EpochsWithoutImprovement,
        IReadOnlyList<EpochMetrics> History,
        FeatureStandardization? Standardization);

    private sealed record Pointer(string Current);

    public void Save(State state, nn.Module network, ITrainingOptimizer optimizer, nn.Module? best)
    {
        Directory.CreateDirectory(directory);
        RemoveHalfWritten();
        var name = $"epoch-{state.Epoch:D4}";
        var folder = Path.Combine(directory, name);
        var staging = Path.Combine(directory, $".{name}-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(staging);
            network.save(Path.Combine(staging, "network.bin"));
            (best ?? network).save(Path.Combine(staging, "best.bin"));
            optimizer.Save(Path.Combine(staging, "optimizer.bin"));
            WriteDurably(Path.Combine(staging, "state.json"), JsonSerializer.SerializeToUtf8Bytes(state, s_json));
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            Directory.Move(staging, folder);
        }
        catch
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            throw;
        }

        var pointerTemp = Path.Combine(directory, $".{PointerFile}.{Guid.NewGuid():N}");
        try
        {
            WriteDurably(pointerTemp, JsonSerializer.SerializeToUtf8Bytes(new Pointer(name), s_json));
            File.Move(pointerTemp, Path.Combine(directory, PointerFile), overwrite: true);
        }
        catch
        {
            File.Delete(pointerTemp);
            throw;
        }

        foreach (var old in Directory.EnumerateDirectories(directory, "epoch-*"))
        {
            if (Path.GetFileName(old) != name) Directory.Delete(old, recursive: true);
        }
    }

    /// <summary>Staging folders and pointer temporaries (their names start with a dot) of writes that never completed.</summary>
    private void RemoveHalfWritten()
    {
        foreach (var folder in Directory.EnumerateDirectories(directory, ".epoch-*")) Directory.Delete(folder, recursive: true);
        foreach (var file in Directory.EnumerateFiles(directory, $".{PointerFile}.*")) File.Delete(file);
    }

    public static bool Exists(string directory) => File.Exists(Path.Combine(directory, PointerFile));

    public (State State, string Folder) Load()
    {
        var pointerPath = Path.Combine(directory, PointerFile);
        if (!File.Exists(pointerPath))
            throw new FileNotFoundException($"No checkpoint in {directory}: {PointerFile} is missing.", pointerPath);
        var pointer = JsonSerializer.Deserialize<Pointer>(File.ReadAllBytes(pointerPath), s_json)
            ?? throw new InvalidDataException($"{pointerPath} is empty.");
        var folder = Path.Combine(directory, pointer.Current);
        var state = JsonSerializer.Deserialize<State>(File.ReadAllBytes(Path.Combine(folder, "state.json")), s_json)
            ?? throw new InvalidDataException($"{folder}/state.json is empty.");
        return (state, folder);
    }

    private static void WriteDurably(string path, byte[] bytes)
    {
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        file.Write(bytes);
        file.Flush(flushToDisk: true);
    }
}
