namespace Portal.Server.Serving;

/// <summary>The <c>swap</c> event on <c>deployment:{model}/{alias}</c>: the deployment now serves <see cref="ToVersion"/>.</summary>
public sealed record DeploymentSwap(string Model, string Alias, int? FromVersion, int ToVersion, Guid ToVersionId, DateTimeOffset Time);
