namespace Portal.Server.Tests.Infrastructure;

/// <summary>A user made by <see cref="PortalFactory.CreateUser"/>; <see cref="Client"/> calls as this user with <see cref="ApiKey"/>.</summary>
public sealed record TestUser(string Id, string UserName, string Password, string Role, string ApiKey, HttpClient Client);
