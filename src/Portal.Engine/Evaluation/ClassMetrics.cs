namespace Portal.Engine.Evaluation;

/// <summary>
/// One class's scores. <see cref="Support"/> counts the samples whose actual class this is,
/// <see cref="Predicted"/> the samples predicted as this class. A ratio whose denominator is zero is 0:
/// precision when the class is never predicted, recall when it never occurs, F1 when both are 0.
/// </summary>
public sealed record ClassMetrics(int Index, string Name, double Precision, double Recall, double F1, int Support, int Predicted);
