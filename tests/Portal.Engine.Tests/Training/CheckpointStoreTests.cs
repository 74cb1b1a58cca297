using Portal.Engine.Training;
using static TorchSharp.torch;

namespace Portal.Engine.Tests.Training;

public sealed class CheckpointStoreTests : IDisposable
{
    private const int NoSpaceErrno = 28;
    private static readonly CheckpointStore.State s_state = new("{}", 8, 1, 4, 1, null, 0, [], null);
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("portal-checkpoints");

    [Fact]
    public void A_checkpoint_cut_short_by_a_full_disk_leaves_no_half_written_folder()
    {
        using var network = nn.Linear(4, 2);
        using var optimizer = new VolumeOptimizer(full: true);

        var error = Assert.Throws<IOException>(() => new CheckpointStore(_scratch.FullName).Save(s_state, network, optimizer, null));

        Assert.Equal(NoSpaceErrno, error.HResult);
        Assert.Empty(_scratch.EnumerateFileSystemInfos());
        Assert.False(CheckpointStore.Exists(_scratch.FullName));
    }

    [Fact]
    public void A_save_removes_the_half_written_folders_a_crash_left_and_keeps_its_own()
    {
        var crashed = Directory.CreateDirectory(Path.Combine(_scratch.FullName, ".epoch-0001-0123456789abcdef"));
        File.WriteAllBytes(Path.Combine(crashed.FullName, "network.bin"), new byte[16]);
        File.WriteAllBytes(Path.Combine(_scratch.FullName, ".checkpoint.json.0123456789abcdef"), new byte[4]);
        using var network = nn.Linear(4, 2);
        using var optimizer = new VolumeOptimizer(full: false);

        new CheckpointStore(_scratch.FullName).Save(s_state, network, optimizer, null);

        Assert.Equal(["checkpoint.json", "epoch-0001"], _scratch.EnumerateFileSystemInfos().Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Equal(1, new CheckpointStore(_scratch.FullName).Load().State.Epoch);
    }

    public void Dispose() => _scratch.Delete(recursive: true);

    /// <summary>Writes its state as a real optimiser would; on a full volume the write stops part-way with ENOSPC.</summary>
    private sealed class VolumeOptimizer(bool full) : ITrainingOptimizer
    {
        public void SetLearningRate(double rate)
        {
        }

        public void Step()
        {
        }

        public void Save(string path)
        {
            File.WriteAllBytes(path, new byte[64]);
            if (full) throw new IOException("No space left on device", NoSpaceErrno);
        }

        public void Load(string path)
        {
        }

        public void Dispose()
        {
        }
    }
}
