using Portal.Contracts.Jobs;

namespace Portal.Contracts.Evaluations;

/// <summary>
/// A version measured on a dataset by an evaluation job (POST …/versions/{n}/evaluations). <see cref="Accuracy"/> and
/// <see cref="Report"/> arrive when the job succeeds; follow it on <c>job:{JobId}</c>. The version's registration
/// evidence is not changed by it.
/// </summary>
public sealed record EvaluationView(
    Guid Id, string Model, int Version, Guid DatasetId, string? Dataset, Guid JobId, JobState State, double Progress, string? Error,
    double? Accuracy, ClassificationReport? Report, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt);

/// <summary>
/// The engine's classification report: accuracy, per-class precision, recall and F1, their macro and weighted
/// averages, and the confusion matrix (<c>ConfusionMatrix[actual][predicted]</c>).
/// </summary>
public sealed record ClassificationReport(
    int SampleCount, double Accuracy, IReadOnlyList<ClassMetrics> Classes, double MacroPrecision, double MacroRecall, double MacroF1,
    double WeightedPrecision, double WeightedRecall, double WeightedF1, IReadOnlyList<IReadOnlyList<int>> ConfusionMatrix);

/// <summary>One class's scores: <see cref="Support"/> samples are of this class, <see cref="Predicted"/> were predicted as it.</summary>
public sealed record ClassMetrics(int Index, string Name, double Precision, double Recall, double F1, int Support, int Predicted);
