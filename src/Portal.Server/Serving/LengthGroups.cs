namespace Portal.Server.Serving;

/// <summary>
/// How a gathered batch of token requests, sorted by sequence length, is cut into ONNX Runtime runs. A run costs a
/// fixed amount (<c>runTokens</c>, in token-rows) plus one unit per token it computes, padding included: each run
/// pads its rows to its longest. Merging everything pays for the padding of short rows to the longest; running each
/// alone pays the fixed cost every time. The cut that costs least is found exactly, by dynamic programming over the
/// sorted lengths (a batch holds at most a few hundred requests).
/// </summary>
internal static class LengthGroups
{
    /// <summary>
    /// Writes the end (exclusive) of each run into <paramref name="ends"/> and returns how many runs there are.
    /// </summary>
    /// <param name="lengths">Each request's sequence length, in ascending order.</param>
    /// <param name="rows">Each request's rows.</param>
    /// <param name="runTokens">What one run costs before its first token, in token-rows.</param>
    /// <param name="padding">Whether rows may be padded; without it a run holds one length only.</param>
    public static int Cut(ReadOnlySpan<int> lengths, ReadOnlySpan<int> rows, double runTokens, bool padding, Span<int> ends)
    {
        var n = lengths.Length;
        if (rows.Length != n || ends.Length < n) throw new ArgumentException($"{n} lengths need {n} row counts and room for {n} ends.");
        if (n == 0) return 0;
        for (var i = 1; i < n; i++)
        {
            if (lengths[i] < lengths[i - 1]) throw new ArgumentException($"Lengths must be ascending: {lengths[i]} follows {lengths[i - 1]} at {i}.");
        }
        Span<double> best = n < 256 ? stackalloc double[n + 1] : new double[n + 1];
        Span<int> start = n < 256 ? stackalloc int[n + 1] : new int[n + 1];
        for (var end = 1; end <= n; end++)
        {
            best[end] = double.PositiveInfinity;
            var rowsIn = 0L;
            for (var first = end - 1; first >= 0; first--)
            {
                if (!padding && lengths[first] != lengths[end - 1]) break;
                rowsIn += rows[first];
                var cost = best[first] + runTokens + rowsIn * (double)lengths[end - 1];
                // On a tie the longer group wins: fewer runs for the same tokens.
                if (cost <= best[end])
                {
                    best[end] = cost;
                    start[end] = first;
                }
            }
        }
        var count = 0;
        for (var end = n; end > 0; end = start[end]) count++;
        var at = count;
        for (var end = n; end > 0; end = start[end]) ends[--at] = end;
        return count;
    }
}
