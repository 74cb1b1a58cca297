namespace Portal.Server.Training;

/// <summary>What a batch of live events changed in <see cref="RunCurves"/>, for the run page to decide what to render.</summary>
/// <param name="Drawn">Some event changed the curves or figures; when false the batch changed nothing.</param>
/// <param name="OnlyMoreSteps">Every event was a step, on curves that already had steps: only the step curves and the figures around them moved.</param>
/// <param name="StateChanged">The job's state or error changed.</param>
/// <param name="Succeeded">The run succeeded with this batch.</param>
public readonly record struct RunCurvesUpdate(bool Drawn, bool OnlyMoreSteps, bool StateChanged, bool Succeeded);
