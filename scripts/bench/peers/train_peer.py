"""PyTorch peer for scripts/bench/train.sh and models.sh (Debian's python3-torch).

speed:  trains one epoch (or --epochs, one batch order each) on the data the engine wrote (same standardised features, same batch order, same
        initial weights), timing only the training loop, and prints `PEER samples_per_s=<n>` and the first batch's
        loss under the initial weights in eval mode (`first_loss=`), for comparison with the engine's.
check:  loads a safetensors file the engine wrote, runs the same network in eval mode on the engine's test
        inputs and prints `PEER parity_max_abs=<largest |torch - engine| over all outputs>`.
The network is built from the engine's ModelSpec JSON (residual and sequential blocks included, with the engine's
weight names); safetensors are parsed here by hand, from the format's
rules, so the file is proven readable by an outside reader.
"""
import argparse
import json
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn

DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (header_len,) = struct.unpack("<Q", blob[:8])
    if (8 + header_len) % 8 != 0:
        raise ValueError(f"{path}: header not padded to 8 bytes")
    header = json.loads(blob[8:8 + header_len].decode("utf-8"))
    data = memoryview(blob)[8 + header_len:]
    tensors, expected = {}, 0
    for name, info in sorted(((k, v) for k, v in header.items() if k != "__metadata__"), key=lambda kv: kv[1]["data_offsets"][0]):
        begin, end = info["data_offsets"]
        if begin != expected:
            raise ValueError(f"{path}: tensor {name} starts at {begin}, expected {expected}")
        expected = end
        array = np.frombuffer(data[begin:end], dtype=np.dtype(DTYPES[info["dtype"]]).newbyteorder("<"))
        tensors[name] = torch.from_numpy(array.reshape(info["shape"]).copy())
    if expected != len(data):
        raise ValueError(f"{path}: data section has {len(data) - expected} unclaimed bytes")
    return tensors, header.get("__metadata__", {})


class Residual(nn.Module):
    """The engine's residual block: body(x) + projection(x), or body(x) + x; children named as in its weights."""

    def __init__(self, body, projection):
        super().__init__()
        self.body = body
        self.projection = projection

    def forward(self, x):
        return self.body(x) + (x if self.projection is None else self.projection(x))


class PaddingMask:
    """The batch's padding mask, set by the embedding from the token ids and read by attention and pooling (as in the engine)."""

    def __init__(self, padding_id):
        self.padding_id = padding_id
        self.padded = None


class TokenEmbedding(nn.Embedding):
    def __init__(self, vocabulary, width, padding_index, mask):
        super().__init__(vocabulary, width, padding_idx=padding_index)
        self.mask = mask

    def forward(self, ids):
        ids = ids.long()
        if self.mask is not None:
            self.mask.padded = ids.eq(self.mask.padding_id)
        return super().forward(ids)


class LearnedPositions(nn.Module):
    def __init__(self, length, width):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(length, width))

    def forward(self, x):
        return x + self.weight[: x.shape[1]]


class SinusoidalPositions(nn.Module):
    def __init__(self, length, width):
        super().__init__()
        position = torch.arange(length, dtype=torch.float64).unsqueeze(1)
        rate = torch.exp(torch.arange(0, width, 2, dtype=torch.float64) * (-np.log(10000.0) / width))
        table = torch.zeros(length, width, dtype=torch.float64)
        table[:, 0::2] = torch.sin(position * rate)
        table[:, 1::2] = torch.cos(position * rate[: width // 2])
        self.register_buffer("sinusoids", table.float(), persistent=False)

    def forward(self, x):
        return x + self.sinusoids[: x.shape[1]]


def key_mask(mask):
    """True at keys no query may attend to; a sample that is all padding keeps every key (no NaN), as the engine does."""
    if mask is None or mask.padded is None:
        return None
    return mask.padded & (~mask.padded).any(1, keepdim=True)


class Encoder(nn.Module):
    """The engine's transformerEncoder block: PyTorch's own encoder layers, named layers.{i}.self_attn, linear1, norm1, …"""

    def __init__(self, width, block, mask):
        super().__init__()
        self.mask = mask
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(width, block["heads"], block["feedForward"], block.get("dropout", 0.1),
                                       activation=str(block.get("activation", "relu")).lower(), layer_norm_eps=block.get("eps", 1e-5),
                                       batch_first=True, norm_first=block.get("normFirst", False))
            for _ in range(block.get("layers", 1)))

    def forward(self, x):
        padding = key_mask(self.mask)
        for layer in self.layers:
            x = layer(x, src_key_padding_mask=padding)
        return x


class Attention(nn.MultiheadAttention):
    """The engine's multiHeadAttention layer: self-attention with PyTorch's parameter names (in_proj_weight, out_proj)."""

    def __init__(self, width, layer, mask):
        super().__init__(width, layer["heads"], dropout=layer.get("dropout", 0), bias=layer.get("bias", True), batch_first=True)
        self.mask = mask

    def forward(self, x):
        return super().forward(x, x, x, key_padding_mask=key_mask(self.mask), need_weights=False)[0]


class SequencePool(nn.Module):
    def __init__(self, pooling, mask):
        super().__init__()
        self.first = str(pooling).lower() == "first"
        self.mask = mask

    def forward(self, x):
        if self.first:
            return x[:, 0]
        if self.mask is None or self.mask.padded is None:
            return x.mean(1)
        valid = (~self.mask.padded).unsqueeze(-1).to(x.dtype)
        return (x * valid).sum(1) / valid.sum(1).clamp_min(1)


def build_layer(layer, shape, mask=None):
    """One spec layer or block as a torch module, and the sample shape it outputs."""
    kind = layer["type"]
    if kind == "embedding":
        return TokenEmbedding(layer["vocabulary"], layer["width"], layer.get("paddingIndex"), mask), [shape[0], layer["width"]]
    if kind == "positionalEncoding":
        learned = str(layer.get("encoding", "learned")).lower() == "learned"
        return (LearnedPositions if learned else SinusoidalPositions)(shape[0], shape[1]), shape
    if kind == "layerNorm":
        return nn.LayerNorm(shape[-1], eps=layer.get("eps", 1e-5)), shape
    if kind == "multiHeadAttention":
        return Attention(shape[-1], layer, mask), shape
    if kind == "transformerEncoder":
        return Encoder(shape[-1], layer, mask), shape
    if kind == "sequencePool":
        return SequencePool(layer.get("pooling", "mean"), mask), [shape[-1]]
    if kind == "linear" and len(shape) == 2:
        return nn.Linear(shape[-1], layer["outFeatures"], bias=layer.get("bias", True)), [shape[0], layer["outFeatures"]]
    if kind == "linear":
        return nn.Linear(shape[0], layer["outFeatures"], bias=layer.get("bias", True)), [layer["outFeatures"]]
    if kind == "conv2d":
        k, s, p = layer["kernelSize"], layer.get("stride", 1), layer.get("padding", 0)
        conv = nn.Conv2d(shape[0], layer["outChannels"], k, stride=s, padding=p, bias=layer.get("bias", True))
        return conv, [layer["outChannels"], (shape[1] + 2 * p - k) // s + 1, (shape[2] + 2 * p - k) // s + 1]
    if kind in ("maxpool2d", "avgpool2d"):
        k = layer["kernelSize"]
        s = layer.get("stride") or k
        pool = (nn.MaxPool2d if kind == "maxpool2d" else nn.AvgPool2d)(k, s)
        return pool, [shape[0], (shape[1] - k) // s + 1, (shape[2] - k) // s + 1]
    if kind == "adaptiveAvgPool2d":
        size = layer.get("outputSize", 1)
        return nn.AdaptiveAvgPool2d(size), [shape[0], size, size]
    if kind == "batchnorm1d":
        return nn.BatchNorm1d(shape[0], eps=layer.get("eps", 1e-5), momentum=layer.get("momentum", 0.1)), shape
    if kind == "batchnorm2d":
        return nn.BatchNorm2d(shape[0], eps=layer.get("eps", 1e-5), momentum=layer.get("momentum", 0.1)), shape
    simple = {
        "dropout": lambda: nn.Dropout(layer.get("p", 0.5)),
        "relu": nn.ReLU,
        "leakyrelu": lambda: nn.LeakyReLU(layer.get("negativeSlope", 0.01)),
        "gelu": nn.GELU,
        "tanh": nn.Tanh,
        "sigmoid": nn.Sigmoid,
        "softmax": lambda: nn.Softmax(-1),
    }
    if kind in simple:
        return simple[kind](), shape
    if kind == "flatten":
        return nn.Flatten(), [int(np.prod(shape))]
    if kind == "sequential":
        return build_sequence(layer["layers"], shape, mask)
    if kind == "residual":
        body, out = build_sequence(layer["body"], shape, mask)
        projection = build_sequence(layer["projection"], shape, mask)[0] if layer.get("projection") else None
        return Residual(body, projection), out
    raise ValueError(f"unknown layer type {kind}")


def build_sequence(layers, shape, mask=None):
    modules = []
    for layer in layers:
        module, shape = build_layer(layer, shape, mask)
        modules.append(module)
    return nn.Sequential(*modules), shape


def build(spec):
    tokens = spec.get("tokens")
    mask = PaddingMask(tokens.get("paddingId", 0)) if tokens is not None else None
    return build_sequence(spec["layers"], list(spec["inputShape"]), mask)[0]


def load_model(spec_path, weights_path):
    with open(spec_path) as f:
        spec = json.load(f)
    model = build(spec)
    state, _ = read_safetensors(weights_path)
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if not m.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise ValueError(f"weights do not fit the spec: missing {missing}, unexpected {unexpected}")
    return spec, model


def speed(args):
    torch.set_num_threads(args.torch_threads)
    spec, model = load_model(args.spec, args.weights)
    n = args.count
    x = torch.from_numpy(np.fromfile(args.features, dtype="<f4").reshape([n] + spec["inputShape"]))
    if spec.get("tokens") is not None:
        x = x.long()  # token ids travel as float32 values, exact below 2^24, as in the engine
    y = torch.from_numpy(np.fromfile(args.labels, dtype="<i8"))
    order = torch.from_numpy(np.fromfile(args.order, dtype="<i8"))
    if order.numel() != args.epochs * n:
        sys.exit(f"the batch order holds {order.numel()} indices, not {args.epochs} epochs of {n}")
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    # The first batch's loss under the initial weights with dropout off: the engine prints its own, and they must agree.
    model.eval()
    with torch.no_grad():
        first = order[:min(args.batch, n)]
        first_loss = loss_fn(model(x.index_select(0, first)), y.index_select(0, first)).item()
    model.train()
    correct = 0
    start = time.perf_counter()
    # Each epoch's order in turn; its last batch may be short, as the engine's is.
    for epoch in range(args.epochs):
        for b in range(epoch * n, (epoch + 1) * n, args.batch):
            index = order[b:min(b + args.batch, (epoch + 1) * n)]
            xb, yb = x.index_select(0, index), y.index_select(0, index)
            optimizer.zero_grad(set_to_none=True)
            out = model(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            optimizer.step()
            value = loss.item()  # the engine reads every step's loss too (progress events, divergence check)
            correct += (out.argmax(1) == yb).sum().item()
            if value != value:
                sys.exit("peer diverged")
    seconds = time.perf_counter() - start
    samples = args.epochs * n
    print(f"PEER samples_per_s={samples / seconds:.1f} seconds={seconds:.3f} train_acc={correct / samples:.4f} first_loss={first_loss:.6f} torch_threads={args.torch_threads}")


def check(args):
    spec, model = load_model(args.spec, args.weights)
    model.eval()
    x = torch.from_numpy(np.fromfile(args.inputs, dtype="<f4").reshape([-1] + spec["inputShape"]))
    if spec.get("tokens") is not None:
        x = x.long()
    expected = np.fromfile(args.outputs, dtype="<f4").reshape(x.shape[0], -1)
    with torch.no_grad():
        got = model(x).numpy()
    print(f"PEER parity_max_abs={float(np.abs(got - expected).max()):.3g} samples={x.shape[0]}")


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("speed")
    s.add_argument("--spec", required=True)
    s.add_argument("--weights", required=True)
    s.add_argument("--features", required=True)
    s.add_argument("--labels", required=True)
    s.add_argument("--order", required=True)
    s.add_argument("--count", type=int, required=True)
    s.add_argument("--batch", type=int, default=128)
    s.add_argument("--epochs", type=int, default=1, help="epochs in the order file, one permutation of --count after another")
    s.add_argument("--torch-threads", type=int, default=1)
    c = sub.add_parser("check")
    c.add_argument("--spec", required=True)
    c.add_argument("--weights", required=True)
    c.add_argument("--inputs", required=True)
    c.add_argument("--outputs", required=True)
    args = parser.parse_args()
    speed(args) if args.command == "speed" else check(args)


if __name__ == "__main__":
    main()
