namespace Portal.Server.Approvals;

/// <summary>
/// One gate as evaluated when a promotion request was made. <see cref="Measured"/> is null when the evidence is
/// missing (then the gate has failed, and <see cref="Detail"/> says which evidence). Accuracy figures are fractions
/// (0..1), an accuracy drop is in the same units (0.02 = two percentage points), latency is in milliseconds.
/// </summary>
public sealed record GateResult(string Name, string Unit, double Threshold, double? Measured, bool Passed, string Detail);
