using Portal.Server.Hosting;

await PortalServer.Build(args).RunAsync();

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
