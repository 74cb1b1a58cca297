namespace Portal.Server.Tests.Training;

/// <summary>
/// Tests that train: libtorch's random generator is process-wide, so runs that must reproduce a curve do not
/// overlap, and the CPU-heavy tests do not compete with each other.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TrainingCollection
{
    public const string Name = "training";
}
