namespace Portal.Server.Serving.Drift;

/// <summary>
/// The live window of one served version: input-bin and predicted-class counts in time buckets (a ring of
/// <see cref="DriftOptions.WindowSeconds"/> / <see cref="DriftOptions.BucketSeconds"/>), filled from served batches
/// once the reference is ready and compared with it on demand. Rows beyond a bucket's quota are skipped.
/// </summary>
internal sealed class ServedVersionWindow
{
    private readonly Lock _gate = new();
    private readonly Task<ReferenceOutcome> _reference;
    private readonly DriftOptions _options;
    private readonly Bucket[] _buckets;
    private readonly int _rowsPerBucket;
    private string? _mismatch;

    public ServedVersionWindow(string model, string alias, Guid versionId, Task<ReferenceOutcome> reference, DriftOptions options, DateTimeOffset now)
    {
        Model = model;
        Alias = alias;
        VersionId = versionId;
        _reference = reference;
        _options = options;
        _buckets = new Bucket[options.WindowSeconds / options.BucketSeconds];
        _rowsPerBucket = options.MaxRowsPerSecond * options.BucketSeconds;
        LastSeen = now;
    }

    public string Model { get; }
    public string Alias { get; }
    public Guid VersionId { get; }
    public DateTimeOffset LastSeen { get; private set; }

    public void Add(ServedBatch batch, DateTimeOffset now)
    {
        lock (_gate)
        {
            LastSeen = now;
            if (Ready() is not { } reference || _mismatch is not null) return;
            var tokens = !batch.Tokens.IsEmpty;
            if (tokens != reference.IsText)
            {
                _mismatch = tokens ? "served inputs are token ids but the reference holds float features" : "served inputs are float features but the reference holds texts";
                return;
            }
            if (!tokens && batch.InputWidth != reference.Bins.FeatureCount)
            {
                _mismatch = $"served inputs have {batch.InputWidth} values a row but the reference has {reference.Bins.FeatureCount} features";
                return;
            }
            var bucket = BucketFor(now, reference);
            var rows = Math.Min(batch.Rows, _rowsPerBucket - bucket.Rows);
            if (rows <= 0) return;
            var inputs = batch.Inputs.Span;
            var ids = batch.Tokens.Span;
            var outputs = batch.Outputs.Span;
            var classes = bucket.ClassCounts is not null && batch.OutputWidth == reference.ClassCount;
            Span<float> text = stackalloc float[TextFeatures.Count];
            for (var r = 0; r < rows; r++)
            {
                if (tokens)
                {
                    TextFeatures.Of(ids.Slice(r * batch.InputWidth, batch.InputWidth), text);
                    reference.Bins.Count(text, bucket.InputCounts);
                }
                else
                {
                    reference.Bins.Count(inputs.Slice(r * batch.InputWidth, batch.InputWidth), bucket.InputCounts);
                }
                if (classes) bucket.ClassCounts![ArgMax(outputs.Slice(r * batch.OutputWidth, batch.OutputWidth))]++;
            }
            bucket.Rows += rows;
            if (classes) bucket.ClassRows += rows;
        }
    }

    public VersionDrift Measure(DateTimeOffset now)
    {
        if (!_reference.IsCompleted) return new VersionDrift(VersionId, 0, DriftStatus.Preparing, "the reference distribution is being computed", 0, null, null, null, null);
        var outcome = _reference.IsCompletedSuccessfully ? _reference.Result : ReferenceOutcome.Without(0, _reference.Exception?.GetBaseException().Message ?? "the reference failed");
        if (outcome.Reference is not { } reference)
            return new VersionDrift(VersionId, outcome.VersionNumber, DriftStatus.Unavailable, outcome.Unavailable, 0, null, null, null, null);

        var inputCounts = new long[reference.Bins.TotalBins];
        var classCounts = new long[reference.ClassCount];
        long rows = 0, classRows = 0;
        lock (_gate)
        {
            if (_mismatch is not null)
                return new VersionDrift(VersionId, outcome.VersionNumber, DriftStatus.Unavailable, _mismatch, 0, null, null, null, null);
            var current = Index(now);
            foreach (var bucket in _buckets)
            {
                if (bucket is null || bucket.Index <= current - _buckets.Length || bucket.Index > current) continue;
                rows += bucket.Rows;
                classRows += bucket.ClassRows;
                for (var b = 0; b < inputCounts.Length; b++) inputCounts[b] += bucket.InputCounts[b];
                for (var c = 0; c < classCounts.Length; c++) classCounts[c] += bucket.ClassCounts![c];
            }
        }
        if (rows < _options.MinSamples)
            return new VersionDrift(VersionId, outcome.VersionNumber, DriftStatus.Collecting,
                $"{rows} samples in the window; PSI needs at least {_options.MinSamples}", rows, null, null, null, null);

        var bins = reference.Bins;
        double sum = 0, max = double.MinValue;
        var worst = 0;
        for (var f = 0; f < bins.FeatureCount; f++)
        {
            var first = bins.FirstBin(f);
            var count = bins.BinCount(f);
            var psi = PopulationStabilityIndex.Compute(reference.InputShares.AsSpan(first, count), inputCounts.AsSpan(first, count), rows);
            sum += psi;
            if (psi > max) (max, worst) = (psi, f);
        }
        double? psiClass = reference.ClassShares is { } shares && classRows >= _options.MinSamples
            ? PopulationStabilityIndex.Compute(shares, classCounts, classRows)
            : null;
        return new VersionDrift(VersionId, outcome.VersionNumber, DriftStatus.Ok, null, rows, sum / bins.FeatureCount, max, worst, psiClass)
        {
            MostShiftedFeatureName = reference.FeatureNames?[worst],
        };
    }

    private DriftReference? Ready() => _reference.IsCompletedSuccessfully ? _reference.Result.Reference : null;

    private long Index(DateTimeOffset now) => now.ToUnixTimeSeconds() / _options.BucketSeconds;

    private Bucket BucketFor(DateTimeOffset now, DriftReference reference)
    {
        var index = Index(now);
        var slot = (int)(index % _buckets.Length);
        var bucket = _buckets[slot] ??= new Bucket(reference.Bins.TotalBins, reference.ClassCount);
        if (bucket.Index != index) bucket.Reset(index);
        return bucket;
    }

    private static int ArgMax(ReadOnlySpan<float> scores)
    {
        var best = 0;
        for (var c = 1; c < scores.Length; c++) if (scores[c] > scores[best]) best = c;
        return best;
    }

    private sealed class Bucket(int inputBins, int classes)
    {
        public long Index { get; private set; } = long.MinValue;
        public long[] InputCounts { get; } = new long[inputBins];
        public long[]? ClassCounts { get; } = classes > 0 ? new long[classes] : null;
        public int Rows { get; set; }
        public int ClassRows { get; set; }

        public void Reset(long index)
        {
            Index = index;
            Array.Clear(InputCounts);
            if (ClassCounts is not null) Array.Clear(ClassCounts);
            Rows = 0;
            ClassRows = 0;
        }
    }
}
