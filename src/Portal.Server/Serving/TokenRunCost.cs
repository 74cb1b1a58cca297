using System.Diagnostics;
using Portal.Engine.Inference;

namespace Portal.Server.Serving;

/// <summary>
/// What one run of a token model costs before its first token, in token-rows, measured on this machine while the
/// session warms up: the fastest of several batch-1 runs at one token and at the longest length give a fixed part
/// and a part per token. <see cref="LengthGroups"/> weighs padding against runs with it. Only a model that pads
/// rows of different lengths needs it.
/// </summary>
internal static class TokenRunCost
{
    /// <summary>
    /// Warms the token path and returns the fixed cost of a run in token-rows; 0 for a model that is not a padded
    /// token model of dynamic length (its runs need no weighing).
    /// </summary>
    public static double Measure(InferenceModel session, int runs)
    {
        if (session.BatchedTokens is not { FixedLength: null, MaximumLength: int longest } signature
            || session.TokenPaddingId is not int padding || signature.FixedBatch is not null || longest < 2)
            return 0;
        // Any id but the padding: an all-padding row is nothing the model is meant to see.
        var id = padding == 1 ? 2L : 1L;
        if (signature.Vocabulary is int vocabulary && id >= vocabulary) return 0;
        var ids = new long[longest];
        Array.Fill(ids, id);
        var output = new float[signature.OutputValuesPerSample];
        double shortest = double.MaxValue, full = double.MaxValue;
        for (var i = 0; i < Math.Max(3, runs); i++)
        {
            shortest = Math.Min(shortest, Time(session, ids.AsSpan(0, 1), output));
            full = Math.Min(full, Time(session, ids, output));
        }
        var perToken = (full - shortest) / (longest - 1);
        // A noisy machine can make the longer run look no slower; a run then counts as much as a full row.
        if (perToken <= 0) return longest;
        return Math.Clamp(shortest / perToken - 1, 1, 4.0 * longest);
    }

    private static double Time(InferenceModel session, ReadOnlySpan<long> ids, float[] output)
    {
        var start = Stopwatch.GetTimestamp();
        session.RunTokens(ids, 1, output);
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}
