using Microsoft.Extensions.Options;
using Portal.Server.Artifacts;
using Portal.Server.Hosting;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Artifacts;

/// <summary>A second node's artifact store on a portal's storage: its own process state (staging, holds, semaphore), the same folder and database.</summary>
internal static class ArtifactNodes
{
    public static ArtifactStore Store(TestStorage storage, string nodeId) => new(Folder(storage, nodeId), TimeProvider.System);

    public static SharedFolderArtifacts Folder(TestStorage storage, string nodeId) =>
        new(Options.Create(new PortalOptions { DataDirectory = storage.DataDirectory, Artifacts = { NodeId = nodeId } }));

    public static string Staging(TestStorage storage, string nodeId) => Path.Combine(storage.DataDirectory, "artifacts", ".staging", nodeId);

    public static string PathOf(string root, string sha) => Path.Combine(root, sha[..2], sha);
}
