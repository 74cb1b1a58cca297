namespace Portal.Server.Registry;

/// <summary>An alias that moved, told after the move is saved (never for a move whose save failed).</summary>
public sealed record AliasMove(Guid ModelId, string ModelName, string Alias, Guid VersionId, Guid? PreviousVersionId, AliasMoveReason Reason);

/// <summary>
/// Hears every alias move once it is committed (serving loads the new holder). Registered as a singleton;
/// called on the thread that saved, so it must return quickly and do its work elsewhere.
/// </summary>
public interface IAliasMoveObserver
{
    void Moved(AliasMove move);
}
