using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Portal.Engine.Data;
using Portal.Engine.Models;
using Portal.Engine.Platform;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Portal.Engine.Training;

/// <summary>One run on the training thread: owns the network, optimiser and device tensors until disposed.</summary>
internal sealed class TrainingSession : IDisposable
{
    private const int EvaluationBatchSize = 1000;

    private readonly TrainingRequest _request;
    private readonly TrainingOptions _options;
    private readonly ChannelWriter<TrainingEvent> _events;
    private readonly Device _device;
    private readonly IReadOnlyList<int> _inputShape;
    private readonly FeatureStandardization? _standardization;
    private readonly TensorDataset _train;
    private readonly TensorDataset? _validation;
    private readonly Sequential _network;
    private readonly ITrainingOptimizer _optimizer;
    private readonly bool _classification;
    private readonly List<EpochMetrics> _history = [];
    private Sequential? _best;
    private int _bestEpoch;
    private double? _bestMetric;
    private int _epochsWithoutImprovement;
    private readonly int _startEpoch = 1;
    private long _globalStep;

    public TrainingSession(TrainingRequest request, RuntimeInfo runtime, ChannelWriter<TrainingEvent> events)
    {
        _request = request;
        _options = request.Options;
        _events = events;
        _device = new Device(runtime.Device);
        _classification = request.Train.IsClassification;
        _inputShape = request.Spec.InputShape;
        TrainingDataCheck.Validate(request);

        CheckpointStore.State? resumed = null;
        string? resumedFolder = null;
        if (request.ResumeFrom is not null)
        {
            (resumed, resumedFolder) = new CheckpointStore(request.ResumeFrom).Load();
            if (ModelSpec.FromJson(resumed.SpecJson) != request.Spec || resumed.TrainCount != request.Train.Count)
                throw new ArgumentException($"The checkpoint in {request.ResumeFrom} was written for another spec or dataset ({resumed.TrainCount} training samples).");
        }

        // Token ids are categories, not measurements: a token spec is never standardised, whatever the options say.
        _standardization = resumed?.Standardization ?? request.FixedStandardization
            ?? (request.FineTuning is { } fineTuning ? fineTuning.Parent.Standardization
                : _options.Standardization is { } mode && request.Spec.Tokens is null ? FeatureStandardization.Fit(request.Train, mode) : null);
        _train = new TensorDataset(request.Train, request.Spec, _standardization, _device);
        _validation = request.Validation is { Count: > 0 } v ? new TensorDataset(ClassOrder.Align(v, request.Train.ClassNames, $"The training data '{request.Train.Name}'"), request.Spec, _standardization, _device)
            : null;

        manual_seed(_options.Seed);
        _network = NetworkFactory.Build(request.Spec, _device);
        if (request.InitialWeights is not null) NetworkFactory.ImportWeights(_network, request.InitialWeights);
        request.FineTuning?.Start(_network, request.Spec, request.Train.ClassNames);
        _optimizer = OptimizerFactory.Create(_options.Optimizer, _network, _device);

        if (resumed is not null)
        {
            _network.load(Path.Combine(resumedFolder!, "network.bin"));
            _optimizer.Load(Path.Combine(resumedFolder!, "optimizer.bin"));
            if (_options.EarlyStopping is not null)
            {
                _best = NetworkFactory.Build(request.Spec, _device);
                _best.load(Path.Combine(resumedFolder!, "best.bin"));
            }
            _startEpoch = resumed.Epoch + 1;
            _globalStep = resumed.GlobalStep;
            _bestEpoch = resumed.BestEpoch;
            _bestMetric = resumed.BestMetric;
            _epochsWithoutImprovement = resumed.EpochsWithoutImprovement;
            _history.AddRange(resumed.History);
        }
    }

    public void Run(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var stepsPerEpoch = (_train.Count + _options.BatchSize - 1) / _options.BatchSize;
        var totalSteps = (long)stepsPerEpoch * _options.Epochs;
        var stopReason = StopReason.Completed;
        var checkpoints = _options.CheckpointDirectory is { } dir ? new CheckpointStore(dir) : null;

        for (var epoch = _startEpoch; epoch <= _options.Epochs; epoch++)
        {
            var metrics = RunEpoch(epoch, stepsPerEpoch, totalSteps, cancellationToken);
            var improved = TrackBest(metrics);
            _history.Add(metrics);
            checkpoints?.Save(CurrentState(epoch), _network, _optimizer, _best);
            NativeRuntime.ReturnFreeHeapToSystem();
            Emit(new EpochCompleted(Stopwatch.GetTimestamp(), metrics));
            if (!improved && _options.EarlyStopping is { } early && _epochsWithoutImprovement >= early.Patience)
            {
                stopReason = StopReason.EarlyStopped;
                break;
            }
            if (epoch == _request.PauseAfterEpoch && epoch < _options.Epochs)
            {
                stopReason = StopReason.Paused;
                break;
            }
        }

        var keep = _options.EarlyStopping is not null && _best is not null ? _best : _network;
        var model = new TrainedModel(_request.Spec, NetworkFactory.ExportWeights(keep), _standardization, _request.Train.ClassNames);
        var bestEpoch = _options.EarlyStopping is not null ? _bestEpoch : _history.Count == 0 ? 0 : _history[^1].Epoch;
        Emit(new TrainingCompleted(Stopwatch.GetTimestamp(), new TrainingResult(model, [.. _history], bestEpoch, stopReason, clock.Elapsed.TotalSeconds)));
    }

    private EpochMetrics RunEpoch(int epoch, int stepsPerEpoch, long totalSteps, CancellationToken cancellationToken)
    {
        // Re-seeding per epoch makes dropout masks and batch order functions of (seed, epoch): a resumed run repeats them.
        manual_seed(EpochSeed(_options.Seed, epoch));
        var order = SeededShuffle.Permutation(_train.Count, _options.Seed, epoch);
        using var orderTensor = tensor(order.Select(i => (long)i).ToArray(), [order.Length], ScalarType.Int64);

        Train(_network);
        var epochClock = Stopwatch.StartNew();
        double lossSum = 0;
        long correct = 0;
        double learningRate = 0;
        for (var b = 0; b < stepsPerEpoch; b++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var stepStart = Stopwatch.GetTimestamp();
            var start = b * _options.BatchSize;
            var size = Math.Min(_options.BatchSize, _train.Count - start);
            learningRate = _options.Schedule.RateAt(_globalStep, totalSteps, stepsPerEpoch, _options.Optimizer.LearningRate);
            _optimizer.SetLearningRate(learningRate);

            double loss;
            using (NewDisposeScope())
            {
                var index = orderTensor.narrow(0, start, size);
                var x = _train.Features.index_select(0, index);
                var y = _train.Targets.index_select(0, index);
                var mirrored = _options.Augmentation is { } augmentation ? Augment(x, augmentation, epoch, b) : null;

                _network.zero_grad();
                var output = _network.forward(x);
                var lossTensor = _request.Hooks?.Loss(output, y, index, mirrored) ?? Loss(output, y);
                lossTensor.backward();
                if (_options.GradientClipNorm is { } clip) nn.utils.clip_grad_norm_(_network.parameters(), clip);
                _optimizer.Step();
                if (_request.Hooks is { } hooks)
                {
                    using var _ = no_grad();
                    hooks.AfterStep(_network, _globalStep + 1, totalSteps);
                }

                loss = lossTensor.item<float>();
                if (_classification) correct += output.argmax(1).eq(y).sum().item<long>();
            }
            _globalStep++;
            if (!double.IsFinite(loss)) throw new TrainingDivergedException(epoch, _globalStep, loss);
            lossSum += loss * size;

            var seconds = Stopwatch.GetElapsedTime(stepStart).TotalSeconds;
            Emit(new StepCompleted(Stopwatch.GetTimestamp(), epoch, _globalStep, totalSteps, loss, learningRate, size / Math.Max(seconds, 1e-9), DateTimeOffset.UtcNow));
        }
        var trainSeconds = epochClock.Elapsed.TotalSeconds;

        double? validationLoss = null, validationAccuracy = null;
        if (_validation is not null)
            (validationLoss, validationAccuracy) = Evaluate(_network, _validation);

        return new EpochMetrics(epoch, lossSum / _train.Count, _classification ? (double)correct / _train.Count : null,
            validationLoss, validationAccuracy, learningRate, epochClock.Elapsed.TotalSeconds, _train.Count / trainSeconds);
    }

    private Tensor Loss(Tensor output, Tensor target) => _options.Loss switch
    {
        LossKind.CrossEntropy => nn.functional.cross_entropy(output, target),
        LossKind.MeanSquaredError => nn.functional.mse_loss(output, target),
        _ => throw new ArgumentOutOfRangeException(nameof(_options.Loss), _options.Loss, "unknown loss"),
    };

    private (double Loss, double? Accuracy) Evaluate(Sequential network, TensorDataset data)
    {
        network.eval();
        try
        {
            using var _ = no_grad();
            double lossSum = 0;
            long correct = 0;
            for (var start = 0; start < data.Count; start += EvaluationBatchSize)
            {
                using var scope = NewDisposeScope();
                var size = Math.Min(EvaluationBatchSize, data.Count - start);
                var x = data.Features.narrow(0, start, size);
                var y = data.Targets.narrow(0, start, size);
                var output = network.forward(x);
                lossSum += Loss(output, y).item<float>() * size;
                if (_classification) correct += output.argmax(1).eq(y).sum().item<long>();
            }
            return (lossSum / data.Count, _classification ? (double)correct / data.Count : null);
        }
        finally
        {
            Train(network);
        }
    }

    private void Train(Sequential network)
    {
        network.train();
        _request.FineTuning?.HoldBody(network);
    }

    /// <summary>Augments the batch in place; returns which samples were flipped (bool, batch order) when the augmentation flips, else null.</summary>
    private Tensor? Augment(Tensor batch, ImageAugmentation augmentation, int epoch, int step)
    {
        if (_inputShape.Count != 3)
            throw new ArgumentException($"Image augmentation needs [C,H,W] inputs; the spec's input is [{string.Join(',', _inputShape)}].");
        var values = MemoryMarshal.Cast<byte, float>(batch.bytes);
        var seed = unchecked((ulong)EpochSeed(_options.Seed, epoch) * 1_000_003UL + (ulong)step);
        var count = (int)batch.shape[0];
        var mirrored = augmentation.HorizontalFlip ? new bool[count] : [];
        augmentation.Apply(values, count, _inputShape[0], _inputShape[1], _inputShape[2], seed, mirrored);
        return augmentation.HorizontalFlip ? tensor(mirrored, device: batch.device) : null;
    }

    private bool TrackBest(EpochMetrics metrics)
    {
        if (_options.EarlyStopping is not { } early || metrics.ValidationLoss is null) return true;
        var value = early.Metric == MonitoredMetric.ValidationAccuracy ? metrics.ValidationAccuracy ?? 0 : metrics.ValidationLoss.Value;
        var higherIsBetter = early.Metric == MonitoredMetric.ValidationAccuracy;
        var improved = _bestMetric is null || (higherIsBetter ? value > _bestMetric + early.MinDelta : value < _bestMetric - early.MinDelta);
        if (!improved)
        {
            _epochsWithoutImprovement++;
            return false;
        }
        _bestMetric = value;
        _bestEpoch = metrics.Epoch;
        _epochsWithoutImprovement = 0;
        _best ??= NetworkFactory.Build(_request.Spec, _device);
        using (NewDisposeScope())
        using (no_grad())
        {
            var source = _network.state_dict();
            foreach (var (name, target) in _best.state_dict()) target.copy_(source[name]);
        }
        return true;
    }

    private CheckpointStore.State CurrentState(int epoch) => new(
        _request.Spec.ToJson(), _train.Count, epoch, _globalStep, _bestEpoch, _bestMetric, _epochsWithoutImprovement, [.. _history], _standardization);

    private void Emit(TrainingEvent e) => _events.TryWrite(e);

    private static long EpochSeed(int seed, int epoch) => (long)seed * 1_000_003L + epoch;

    public void Dispose()
    {
        _optimizer.Dispose();
        _network.Dispose();
        _best?.Dispose();
        _train.Dispose();
        _validation?.Dispose();
    }
}
