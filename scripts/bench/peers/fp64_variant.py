"""Writes a copy of an ONNX file whose first input takes float64 (FP64 in the Open Inference Protocol) and casts it to
float32 before the rest of the graph, for scripts/bench/serve.sh's typed-path cells: the same model and answers, but
a signature the portal's pooled float32 path does not take, so every request runs on its typed path.
    python3 fp64_variant.py IN.onnx OUT.onnx"""
import sys

import onnx
from onnx import TensorProto, helper

source, target = sys.argv[1], sys.argv[2]
model = onnx.load(source)
graph = model.graph
first = graph.input[0]
if first.type.tensor_type.elem_type != TensorProto.FLOAT:
    sys.exit(f"input '{first.name}' of {source} is not float32")
name = first.name
cast = name + ".as_float32"
for node in graph.node:
    for i, used in enumerate(node.input):
        if used == name:
            node.input[i] = cast
first.type.tensor_type.elem_type = TensorProto.DOUBLE
graph.node.insert(0, helper.make_node("Cast", [name], [cast], to=TensorProto.FLOAT, name="fp64_variant.cast"))
onnx.checker.check_model(model)
onnx.save(model, target)
