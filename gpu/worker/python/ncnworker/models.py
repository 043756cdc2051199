"""The model implementations the worker can run, keyed by the manifest's
(runtime, architecture). Each takes a verified Bundle and serves run().

run(value, params, emit, deadline) gets the input already decoded and
checked against the manifest's input schema, params checked against its
params schema, emit(bytes) to stream a partial, and deadline() which raises
DeadlineExceeded once the request's deadline has passed. It returns
(output bytes, tokens).
"""

import json

import numpy as np


class DeadlineExceeded(Exception):
    pass


class InputError(ValueError):
    """The input is well-formed for its schema but not usable by the model."""


def _npy(bundle, rel):
    # allow_pickle=False: a weights file is numbers, never objects.
    return np.load(bundle.path(rel), allow_pickle=False)


def dumps(obj):
    """Canonical JSON: the same output bytes on every node, so validators can
    compare result hashes."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


class DigitsMLP:
    """A multilayer perceptron over 8x8 grey images (numpy, float32)."""

    runtime = "numpy"
    architecture = "mlp"

    def __init__(self, bundle, device, threads):
        cfg = bundle.config
        self.scale = np.float32(cfg["input_scale"])
        self.activation = cfg["activation"]
        if self.activation not in ("tanh", "relu"):
            raise ValueError(f"activation {self.activation!r}")
        self.layers = []
        for i in range(len(cfg["layers"]) - 1):
            w = _npy(bundle, f"weights/w{i}.npy").astype(np.float32)
            b = _npy(bundle, f"weights/b{i}.npy").astype(np.float32)
            if w.shape != (cfg["layers"][i], cfg["layers"][i + 1]) or b.shape != (cfg["layers"][i + 1],):
                raise ValueError(f"layer {i}: weights {w.shape}, bias {b.shape} do not match config")
            self.layers.append((w, b))
        self.labels = cfg["labels"]

    def logits(self, x):
        """x: (n, 64) float32 pixels in 0..input_scale -> (n, classes)."""
        h = np.asarray(x, dtype=np.float32) / self.scale
        for i, (w, b) in enumerate(self.layers):
            h = h @ w + b
            if i < len(self.layers) - 1:
                h = np.tanh(h) if self.activation == "tanh" else np.maximum(h, 0)
        return h

    def run(self, value, params, emit, deadline):
        deadline()
        z = self.logits([value["pixels"]])[0].astype(np.float64)
        p = np.exp(z - z.max())
        p /= p.sum()
        k = int(np.argmax(p))
        out = {"label": self.labels[k],
               "probabilities": [round(float(v), 6) for v in p]}
        return dumps(out), 1


class CharGRU:
    """A character-level GRU language model (torch) that streams one
    character per token."""

    runtime = "torch"
    architecture = "char-gru"

    def __init__(self, bundle, device, threads):
        import torch

        self.torch = torch
        cfg = bundle.config
        with open(bundle.path(cfg["vocab_file"]), encoding="utf-8") as f:
            self.vocab = json.load(f)
        self.index = {c: i for i, c in enumerate(self.vocab)}
        self.net = build_char_gru(torch, len(self.vocab), cfg["embed"], cfg["hidden"], cfg["layers"])
        state = {}
        for name, t in self.net.state_dict().items():
            a = _npy(bundle, f"weights/{name}.npy")
            if tuple(a.shape) != tuple(t.shape):
                raise ValueError(f"{name}: shape {a.shape}, model wants {tuple(t.shape)}")
            state[name] = torch.from_numpy(a.astype(np.float32))
        self.net.load_state_dict(state)
        self.net.eval()
        self.device = torch.device(device)
        self.net.to(self.device)

    def run(self, value, params, emit, deadline):
        torch = self.torch
        unknown = sorted({c for c in value if c not in self.index})
        if unknown:
            raise InputError(f"characters not in the model's vocabulary: {''.join(unknown)!r}")
        max_tokens = params.get("max_tokens", 64)
        temperature = float(params.get("temperature", 0.0))
        # Sampling uses its own seeded generator in float64 so that the same
        # request gives the same text on every node.
        rng = np.random.Generator(np.random.PCG64(params.get("seed", 0)))
        out = []
        with torch.no_grad():
            ids = torch.tensor([[self.index[c] for c in value]], device=self.device)
            logits, h = self.net(ids)
            for i in range(max_tokens):
                deadline()
                z = logits[0, -1].double().cpu().numpy()
                if temperature == 0:
                    k = int(np.argmax(z))
                else:
                    z = z / temperature
                    p = np.exp(z - z.max())
                    p /= p.sum()
                    k = int(rng.choice(len(p), p=p))
                c = self.vocab[k]
                out.append(c)
                emit(c.encode("utf-8"))
                logits, h = self.net(torch.tensor([[k]], device=self.device), h)
        return "".join(out).encode("utf-8"), len(out)


def build_char_gru(torch, vocab, embed, hidden, layers, dropout=0.0):
    """The char-gru network; shared with the training script so that both
    build exactly the same module (and state_dict names)."""
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(vocab, embed)
            self.gru = nn.GRU(embed, hidden, num_layers=layers, batch_first=True)
            # Dropout has no weights: training regularises with it, the
            # worker (eval mode) builds the same module with it off.
            self.drop = nn.Dropout(dropout)
            self.head = nn.Linear(hidden, vocab)

        def forward(self, ids, h=None):
            y, h = self.gru(self.drop(self.embed(ids)), h)
            return self.head(self.drop(y)), h

    return Net()


class Echo:
    """A trivial model: the prompt back after a prefix from the bundle. It
    exists to measure the host around a model (benchmarks, tests)."""

    runtime = "numpy"
    architecture = "echo"

    def __init__(self, bundle, device, threads):
        with open(bundle.path(bundle.config["prefix_file"]), encoding="utf-8") as f:
            self.prefix = f.read()

    def run(self, value, params, emit, deadline):
        deadline()
        out = (self.prefix + value).encode("utf-8")
        emit(out)
        return out, 1


ARCHITECTURES = {(m.runtime, m.architecture): m for m in (DigitsMLP, CharGRU, Echo)}


def load(bundle, device="cpu", threads=1):
    cls = ARCHITECTURES.get((bundle.runtime, bundle.architecture))
    if cls is None:
        raise ValueError(f"no model for runtime {bundle.runtime!r}, architecture {bundle.architecture!r}")
    return cls(bundle, device, threads)
