using System.Security.Cryptography;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Artifacts;

/// <summary>Nodes sharing one artifact folder each stage in their own subfolder; a starting node spares the others' writes in flight.</summary>
public sealed class SharedStagingTests
{
    [Fact]
    public async Task A_starting_node_removes_its_own_leftovers_and_old_temporaries_of_others_but_not_another_nodes_write_in_flight()
    {
        using var storage = TestStorage.Sqlite();
        var nodeA = ArtifactNodes.Store(storage, "node-a");
        var content = RandomNumberGenerator.GetBytes(200_000);
        var upload = new HeldStream(content, releaseAfter: 100_000);
        var inFlight = nodeA.WriteHeld(upload, CancellationToken.None, long.MaxValue);
        await upload.Paused.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var aTemporary = Assert.Single(Directory.EnumerateFiles(ArtifactNodes.Staging(storage, "node-a")));

        var oldOfDeadNode = Leftover(storage, "node-c", DateTime.UtcNow.AddHours(-2));
        var ownLeftover = Leftover(storage, "node-b", DateTime.UtcNow);
        await using (var nodeB = PortalFactory.On(storage))
        {
            nodeB.Settings["Portal:RegisterBuiltinDatasets"] = "false";
            nodeB.Settings["Portal:Artifacts:NodeId"] = "node-b";
            _ = nodeB.Services;

            Assert.True(File.Exists(aTemporary), "a starting node removed another node's write in flight");
            Assert.False(File.Exists(oldOfDeadNode), "an old temporary of a node that stopped should be removed");
            Assert.False(File.Exists(ownLeftover), "a node's own leftovers should be removed at its start, however young");
        }

        upload.Release.SetResult();
        var stored = await inFlight;
        Assert.Equal(content, await nodeA.ReadVerified(stored.Sha256, CancellationToken.None));
        Assert.Empty(Directory.EnumerateFiles(ArtifactNodes.Staging(storage, "node-a")));
    }

    private static string Leftover(TestStorage storage, string node, DateTime writtenAt)
    {
        var folder = ArtifactNodes.Staging(storage, node);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(path, RandomNumberGenerator.GetBytes(100));
        File.SetLastWriteTimeUtc(path, writtenAt);
        return path;
    }

    /// <summary>An upload that stops part-way until released, as a slow client's does.</summary>
    private sealed class HeldStream(byte[] content, int releaseAfter) : MemoryStream(content, writable: false)
    {
        public TaskCompletionSource Paused { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Position >= releaseAfter && !Release.Task.IsCompleted)
            {
                Paused.TrySetResult();
                await Release.Task;
            }
            var limit = Position < releaseAfter ? (int)Math.Min(buffer.Length, releaseAfter - Position) : buffer.Length;
            return await base.ReadAsync(buffer[..limit], cancellationToken);
        }
    }
}
