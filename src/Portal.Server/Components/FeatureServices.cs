namespace Portal.Server.Components;

/// <summary>
/// Calls a feature service in a scope of its own: a circuit lives for hours, a DbContext should live for one
/// operation, so components never hold one.
/// </summary>
public sealed class FeatureServices(IServiceScopeFactory scopes)
{
    public async Task<T> Call<TService, T>(Func<TService, Task<T>> call) where TService : notnull
    {
        await using var scope = scopes.CreateAsyncScope();
        return await call(scope.ServiceProvider.GetRequiredService<TService>());
    }

    public async Task<T> Call<TService1, TService2, T>(Func<TService1, TService2, Task<T>> call)
        where TService1 : notnull where TService2 : notnull
    {
        await using var scope = scopes.CreateAsyncScope();
        return await call(scope.ServiceProvider.GetRequiredService<TService1>(), scope.ServiceProvider.GetRequiredService<TService2>());
    }
}
