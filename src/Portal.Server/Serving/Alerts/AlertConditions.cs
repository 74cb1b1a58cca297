namespace Portal.Server.Serving.Alerts;

public enum AlertTransitionKind
{
    Fire,
    Resolve,
}

/// <summary>A rule started or stopped firing for one served version; <see cref="AlertId"/> names the alert either way.</summary>
public sealed record AlertTransition(
    AlertTransitionKind Kind,
    Guid AlertId,
    AlertRule Rule,
    string Model,
    string Alias,
    Guid VersionId,
    int VersionNumber,
    double? Value,
    DateTimeOffset ConditionSince,
    string? Reason);

/// <summary>An alert that was open when the process stopped, handed back to <see cref="AlertConditions.Adopt"/>.</summary>
public sealed record OpenAlert(Guid AlertId, Guid RuleId, int RuleRevision, string Model, string Alias, Guid VersionId, int VersionNumber, DateTimeOffset ConditionSince);

/// <summary>
/// The state machine of every (rule, served version) pair, without I/O or clock of its own: each observation in
/// scope starts the condition's run (when it holds) or ends it (when it does not); <see cref="Evaluate"/> fires a
/// pair whose condition has held without a break for the rule's window and resolves a firing pair whose condition
/// stopped holding, whose data stopped coming for <see cref="StaleAfter"/>, or whose rule was disabled, changed or
/// deleted. "Held for the window" is measured from the first observation of the run to now.
/// </summary>
public sealed class AlertConditions
{
    /// <summary>No value for this long means the version is no longer served (or its metric no longer defined): the condition no longer holds.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(15);

    private readonly Dictionary<(Guid Rule, string Model, string Alias, Guid Version), Track> _tracks = [];

    public int Tracked => _tracks.Count;

    /// <summary>Takes over alerts left open by an earlier process: they resolve like any other once their condition stops or their data does not come.</summary>
    public void Adopt(IEnumerable<OpenAlert> open, DateTimeOffset now)
    {
        foreach (var a in open)
        {
            _tracks[(a.RuleId, a.Model, a.Alias, a.VersionId)] = new Track(a.RuleRevision, a.VersionNumber)
            {
                Since = a.ConditionSince,
                LastSeen = now,
                FiringAlertId = a.AlertId,
            };
        }
    }

    public IReadOnlyList<AlertTransition> Evaluate(IReadOnlyList<AlertRule> rules, IEnumerable<AlertObservation> observations, DateTimeOffset now)
    {
        var active = rules.Where(r => r.Enabled).ToList();
        foreach (var o in observations.OrderBy(o => o.Time))
        {
            foreach (var rule in active)
            {
                if (rule.Metric != o.Metric || !InScope(rule, o.Model, o.Alias)) continue;
                var key = (rule.Id, o.Model, o.Alias, o.VersionId);
                if (!_tracks.TryGetValue(key, out var track) || track.Revision != rule.Revision && track.FiringAlertId is null)
                    _tracks[key] = track = new Track(rule.Revision, o.VersionNumber);
                if (track.Revision != rule.Revision) continue; // fired under old terms: resolved below, then tracked afresh
                track.VersionNumber = o.VersionNumber;
                track.LastSeen = o.Time > track.LastSeen ? o.Time : track.LastSeen;
                track.LastValue = o.Value;
                if (AlertComparisons.Holds(rule.Comparison, o.Value, rule.Threshold)) track.Since ??= o.Time;
                else track.Since = null;
            }
        }

        var byId = rules.ToDictionary(r => r.Id);
        var transitions = new List<AlertTransition>();
        foreach (var (key, track) in _tracks.ToList())
        {
            var rule = byId.GetValueOrDefault(key.Rule);
            var ended = rule is null ? "the rule was deleted"
                : !rule.Enabled ? "the rule was disabled"
                : rule.Revision != track.Revision ? "the rule was changed"
                : now - track.LastSeen > StaleAfter ? $"no {rule.Metric} value for {(now - track.LastSeen).TotalSeconds:0} s"
                : null;
            if (ended is not null)
            {
                if (track.FiringAlertId is { } firing)
                {
                    transitions.Add(new AlertTransition(AlertTransitionKind.Resolve, firing, rule ?? Deleted(key.Rule), key.Model, key.Alias, key.Version,
                        track.VersionNumber, null, track.Since ?? now, ended));
                }
                _tracks.Remove(key);
                continue;
            }

            if (track.FiringAlertId is null && track.Since is { } since && now - since >= TimeSpan.FromSeconds(rule!.WindowSeconds))
            {
                track.FiringAlertId = Guid.NewGuid();
                transitions.Add(new AlertTransition(AlertTransitionKind.Fire, track.FiringAlertId.Value, rule, key.Model, key.Alias, key.Version,
                    track.VersionNumber, track.LastValue, since, null));
            }
            else if (track.FiringAlertId is { } firing && track.Since is null)
            {
                transitions.Add(new AlertTransition(AlertTransitionKind.Resolve, firing, rule!, key.Model, key.Alias, key.Version,
                    track.VersionNumber, track.LastValue, now, $"{rule!.Metric} {track.LastValue:G4} no longer {rule.Comparison} {rule.Threshold:G4}"));
                track.FiringAlertId = null;
            }
        }
        return transitions;
    }

    public static bool InScope(AlertRule rule, string model, string alias) =>
        (rule.Model is null || string.Equals(rule.Model, model, StringComparison.Ordinal))
        && (rule.Alias is null || string.Equals(rule.Alias, alias, StringComparison.OrdinalIgnoreCase));

    private static AlertRule Deleted(Guid id) => new()
    {
        Id = id,
        Name = "(deleted)",
        Metric = "",
        Comparison = "",
        CreatedBy = "",
        UpdatedBy = "",
    };

    private sealed class Track(int revision, int versionNumber)
    {
        public int Revision { get; } = revision;
        public int VersionNumber { get; set; } = versionNumber;
        public DateTimeOffset? Since { get; set; }
        public DateTimeOffset LastSeen { get; set; }
        public double LastValue { get; set; }
        public Guid? FiringAlertId { get; set; }
    }
}
