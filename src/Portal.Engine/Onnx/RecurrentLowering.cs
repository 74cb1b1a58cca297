using Portal.Engine.Models;

namespace Portal.Engine.Onnx;

/// <summary>
/// An LSTM or GRU layer as ONNX <c>LSTM</c>/<c>GRU</c> nodes, one per stacked layer, on [batch, sequence, features]
/// with a dynamic batch and sequence. Under a token mask each node takes the samples' lengths as
/// <c>sequence_lens</c>, so padded steps count in neither direction, as in the network's packed sequences.
/// </summary>
internal sealed class RecurrentLowering(GraphBuilder graph, TokenMaskValues? mask)
{
    // PyTorch stacks the LSTM's gate blocks as input, forget, cell, output; ONNX as input, output, forget, cell.
    private static readonly int[] s_lstmGateOrder = [0, 3, 1, 2];

    // PyTorch stacks the GRU's as reset, update, new; ONNX as update, reset, hidden.
    private static readonly int[] s_gruGateOrder = [1, 0, 2];

    /// <param name="weight">The layer's tensor with the given suffix, checked against the shape the layer needs.</param>
    public string Emit(RecurrentSettings settings, int inputWidth, string input, string hint, Func<string, int[], float[]> weight)
    {
        var (op, order) = settings.Cell == RecurrentCell.Lstm ? ("LSTM", s_lstmGateOrder) : ("GRU", s_gruGateOrder);
        var directions = settings.Directions;
        var hidden = settings.HiddenSize;
        var rows = settings.Gates * hidden;
        var attributes = new List<Protobuf.AttributeProto>
        {
            GraphBuilder.Attribute("hidden_size", (long)hidden),
            GraphBuilder.Attribute("direction", settings.Bidirectional ? "bidirectional" : "forward"),
        };
        if (settings.Cell == RecurrentCell.Gru) attributes.Add(GraphBuilder.Attribute("linear_before_reset", 1L));

        // ONNX runtimes take the sequence first: [sequence, batch, width] between the nodes.
        var steps = graph.AddNode("Transpose", [input], $"{hint}.sequence_first", GraphBuilder.Attribute("perm", 1L, 0L, 2L));
        var final = steps;
        for (var layer = 0; layer < settings.Layers; layer++)
        {
            var width = layer == 0 ? inputWidth : settings.OutputWidth;
            var (w, r, b) = (new List<float>(), new List<float>(), new List<float>());
            for (var direction = 0; direction < directions; direction++)
            {
                var suffix = $"l{layer}{(direction == 1 ? "_reverse" : "")}";
                w.AddRange(Reordered(weight($"weight_ih_{suffix}", [rows, width]), order, hidden * width));
                r.AddRange(Reordered(weight($"weight_hh_{suffix}", [rows, hidden]), order, hidden * hidden));
                b.AddRange(Reordered(weight($"bias_ih_{suffix}", [rows]), order, hidden));
                b.AddRange(Reordered(weight($"bias_hh_{suffix}", [rows]), order, hidden));
            }
            var at = $"{hint}.l{layer}";
            List<string> inputs =
            [
                steps,
                graph.AddInitializer($"{at}.W", w.ToArray(), [directions, rows, width]),
                graph.AddInitializer($"{at}.R", r.ToArray(), [directions, rows, hidden]),
                graph.AddInitializer($"{at}.B", b.ToArray(), [directions, 2 * rows]),
            ];
            if (mask is not null) inputs.Add(mask.Lengths);
            var outputs = graph.AddNodeWithOutputs(op, inputs, [$"{at}.steps", $"{at}.final"], [.. attributes]);
            // Y is [sequence, directions, batch, hidden]: each step's directions side by side, as PyTorch gives them.
            var sideBySide = graph.AddNode("Transpose", [outputs[0]], $"{at}.steps_by_batch", GraphBuilder.Attribute("perm", 0L, 2L, 1L, 3L));
            steps = graph.AddNode("Reshape", [sideBySide, Shape($"{at}.steps_shape", 0, 0, -1)], $"{at}.steps_joined");
            final = outputs[1];
        }

        if (settings.Output == RecurrentOutput.Sequence)
            return graph.AddNode("Transpose", [steps], hint, GraphBuilder.Attribute("perm", 1L, 0L, 2L));
        // Y_h is [directions, batch, hidden]: the last layer's final states, forward then reverse.
        var byBatch = graph.AddNode("Transpose", [final], $"{hint}.final_by_batch", GraphBuilder.Attribute("perm", 1L, 0L, 2L));
        return graph.AddNode("Reshape", [byBatch, Shape($"{hint}.final_shape", 0, -1)], hint);
    }

    private string Shape(string name, params long[] dims) => graph.AddInitializer(name, dims, [dims.Length]);

    /// <summary>Gate blocks of <paramref name="block"/> values each, taken in <paramref name="order"/>.</summary>
    private static IEnumerable<float> Reordered(float[] values, int[] order, int block) =>
        order.SelectMany(gate => values.Skip(gate * block).Take(block));
}
