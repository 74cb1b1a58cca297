namespace Portal.Engine.Tests;

/// <summary>
/// libtorch's default random generator is process-wide: tests that seed it and rely on the sequence
/// (initialisation, dropout) run one at a time so no other test draws from it in between.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NativeRandomCollection
{
    public const string Name = "native random generator";
}
