using Portal.Engine.Models;
using Portal.Engine.Training;
using Portal.Engine.Weights;

namespace Portal.Engine.Tests.Training;

/// <summary>
/// Three optimiser steps of a linear model y = w·x + b under squared error, checked against the optimisers'
/// published update rules computed by hand in doubles.
/// </summary>
[Collection(NativeRandomCollection.Name)]
public class OptimizerStepTests
{
    private static readonly float[] s_x = [1f, 2f];
    private const float Target = 3f;
    private static readonly double[] s_initial = [0.5, -0.5, 0.1]; // w0, w1, b

    public static TheoryData<string, OptimizerOptions> Optimizers => new()
    {
        { "sgd", new OptimizerOptions { Kind = OptimizerKind.Sgd, LearningRate = 0.01 } },
        { "sgd+decay", new OptimizerOptions { Kind = OptimizerKind.Sgd, LearningRate = 0.01, WeightDecay = 0.1 } },
        { "sgd+momentum", new OptimizerOptions { Kind = OptimizerKind.Sgd, LearningRate = 0.01, Momentum = 0.9 } },
        { "sgd+nesterov", new OptimizerOptions { Kind = OptimizerKind.Sgd, LearningRate = 0.01, Momentum = 0.9, Nesterov = true } },
        { "adam", new OptimizerOptions { Kind = OptimizerKind.Adam, LearningRate = 0.05 } },
        { "adamw", new OptimizerOptions { Kind = OptimizerKind.AdamW, LearningRate = 0.05, WeightDecay = 0.1 } },
        { "rmsprop", new OptimizerOptions { Kind = OptimizerKind.RMSprop, LearningRate = 0.01 } },
        { "adagrad", new OptimizerOptions { Kind = OptimizerKind.Adagrad, LearningRate = 0.1 } },
    };

    [Fact]
    public async Task One_sgd_step_equals_the_hand_computed_update()
    {
        // pred = 0.5·1 − 0.5·2 + 0.1 = −0.4; dL/dpred = 2(pred − 3) = −6.8; grad = −6.8·[1, 2, 1].
        var weights = await TrainSteps(new OptimizerOptions { Kind = OptimizerKind.Sgd, LearningRate = 0.01 }, steps: 1);

        Assert.Equal([0.5 + 0.068, -0.5 + 0.136, 0.1 + 0.068], weights, new FloatTolerance(1e-6f));
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public async Task Three_steps_follow_the_published_update_rule(string name, OptimizerOptions options)
    {
        var actual = await TrainSteps(options, steps: 3);
        var expected = Reference(options, steps: 3);

        Assert.True(expected.Zip(actual).All(p => Math.Abs(p.First - p.Second) < 1e-5), $"{name}: expected [{string.Join(", ", expected)}], got [{string.Join(", ", actual)}]");
    }

    private static async Task<double[]> TrainSteps(OptimizerOptions optimizer, int steps)
    {
        var spec = new ModelSpec("linear", [2], [new LinearLayer(1)]);
        var initial = new ModelWeights([
            new NamedTensor("0.weight", [1, 2], [(float)s_initial[0], (float)s_initial[1]]),
            new NamedTensor("0.bias", [1], [(float)s_initial[2]]),
        ]);
        var options = new TrainingOptions { Epochs = 1, BatchSize = 1, Optimizer = optimizer, Loss = LossKind.MeanSquaredError, Standardization = null };
        var request = new TrainingRequest(spec, TrainingData.RepeatedSample(s_x, Target, steps), null, options) { InitialWeights = initial };

        var result = await new Trainer().TrainToEnd(request);

        var w = result.Model.Weights;
        return [w["0.weight"].Data[0], w["0.weight"].Data[1], w["0.bias"].Data[0]];
    }

    private static double[] Reference(OptimizerOptions o, int steps)
    {
        var p = (double[])s_initial.Clone();
        var m = new double[3];
        var v = new double[3];
        var inputs = new[] { s_x[0], s_x[1], 1.0 };
        for (var t = 1; t <= steps; t++)
        {
            var pred = p[0] * inputs[0] + p[1] * inputs[1] + p[2];
            for (var i = 0; i < 3; i++)
            {
                var g = 2 * (pred - Target) * inputs[i];
                switch (o.Kind)
                {
                    case OptimizerKind.Sgd:
                        g += o.WeightDecay * p[i];
                        if (o.Momentum > 0)
                        {
                            m[i] = t == 1 ? g : o.Momentum * m[i] + g;
                            g = o.Nesterov ? g + o.Momentum * m[i] : m[i];
                        }
                        p[i] -= o.LearningRate * g;
                        break;
                    case OptimizerKind.Adam:
                    case OptimizerKind.AdamW:
                        if (o.Kind == OptimizerKind.AdamW) p[i] *= 1 - o.LearningRate * o.WeightDecay;
                        else g += o.WeightDecay * p[i];
                        m[i] = o.Beta1 * m[i] + (1 - o.Beta1) * g;
                        v[i] = o.Beta2 * v[i] + (1 - o.Beta2) * g * g;
                        var mHat = m[i] / (1 - Math.Pow(o.Beta1, t));
                        var denom = Math.Sqrt(v[i]) / Math.Sqrt(1 - Math.Pow(o.Beta2, t)) + o.Epsilon;
                        p[i] -= o.LearningRate * mHat / denom;
                        break;
                    case OptimizerKind.RMSprop:
                        v[i] = o.Alpha * v[i] + (1 - o.Alpha) * g * g;
                        p[i] -= o.LearningRate * g / (Math.Sqrt(v[i]) + o.Epsilon);
                        break;
                    case OptimizerKind.Adagrad:
                        v[i] += g * g;
                        p[i] -= o.LearningRate * g / (Math.Sqrt(v[i]) + 1e-10);
                        break;
                }
            }
        }
        return p;
    }
}
