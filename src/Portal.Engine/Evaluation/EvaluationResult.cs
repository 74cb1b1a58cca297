namespace Portal.Engine.Evaluation;

/// <summary>Mean cross-entropy loss and the classification figures of one evaluation.</summary>
public sealed record EvaluationResult(double Loss, ClassificationReport Report)
{
    public double Accuracy => Report.Accuracy;
}
