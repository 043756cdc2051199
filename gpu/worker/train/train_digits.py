"""Trains the `digits` model: a 64-32-10 tanh MLP (numpy) on scikit-learn's
bundled 8x8 digits data set (sklearn.datasets.load_digits: 1797 images, no
download), and writes its bundle. Deterministic: fixed seed, float64 maths,
single-threaded BLAS; run twice, get the same bytes.

    /usr/bin/python3 -B train/train_digits.py --out models/digits
"""

import argparse
import os

os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

import bundle  # noqa: E402
from ncnworker import models  # noqa: E402

SEED = 20240601
HIDDEN = 32
EPOCHS = 60
BATCH = 32
LR = 0.1
MOMENTUM = 0.9
WEIGHT_DECAY = 1e-4
TEST_FRACTION = 0.25


def split(n, rng):
    """A stratification-free shuffled split; the data set is balanced."""
    perm = rng.permutation(n)
    cut = int(round(n * (1 - TEST_FRACTION)))
    return perm[:cut], perm[cut:]


def train(x, y, rng):
    n, d = x.shape
    w0 = rng.normal(0, 1 / np.sqrt(d), (d, HIDDEN))
    b0 = np.zeros(HIDDEN)
    w1 = rng.normal(0, 1 / np.sqrt(HIDDEN), (HIDDEN, 10))
    b1 = np.zeros(10)
    params = [w0, b0, w1, b1]
    vel = [np.zeros_like(p) for p in params]
    onehot = np.eye(10)[y]
    for epoch in range(EPOCHS):
        order = rng.permutation(n)
        for s in range(0, n, BATCH):
            idx = order[s:s + BATCH]
            xb, tb = x[idx], onehot[idx]
            h = np.tanh(xb @ w0 + b0)
            z = h @ w1 + b1
            p = np.exp(z - z.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            dz = (p - tb) / len(idx)
            dh = (dz @ w1.T) * (1 - h * h)
            grads = [xb.T @ dh, dh.sum(0), h.T @ dz, dz.sum(0)]
            for i, (prm, g) in enumerate(zip(params, grads)):
                if prm.ndim == 2:
                    g = g + WEIGHT_DECAY * prm
                vel[i] = MOMENTUM * vel[i] - LR * g
                prm += vel[i]
    return params


def evaluate(model, x, y):
    z = model.logits(x).astype(np.float64)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(p[np.arange(len(y)), y] + 1e-12))
    return float(np.mean(np.argmax(z, axis=1) == y)), float(loss)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    data = load_digits()
    x_all, y_all = data.data.astype(np.float64), data.target.astype(np.int64)
    rng = np.random.Generator(np.random.PCG64(SEED))
    tr, te = split(len(y_all), rng)
    w0, b0, w1, b1 = train(x_all[tr] / 16.0, y_all[tr], rng)

    pixels = {"type": "array", "minItems": 64, "maxItems": 64,
              "items": {"type": "number", "minimum": 0, "maximum": 16},
              "description": "8x8 grey image, row-major, 0 (white) to 16 (black)"}
    manifest = {
        "name": "digits",
        "version": "1.0.0",
        "runtime": "numpy",
        "task": "image-classification",
        "architecture": "mlp",
        "description": "Handwritten digit classifier (0-9) for 8x8 images.",
        "config": {"layers": [64, HIDDEN, 10], "activation": "tanh", "input_scale": 16.0,
                   "labels": list(range(10))},
        "input": {"content_type": "application/json",
                  "schema": {"type": "object", "required": ["pixels"], "additionalProperties": False,
                             "properties": {"pixels": pixels}}},
        "params": {"schema": {"type": "object", "additionalProperties": False, "properties": {}}},
        "output": {"content_type": "application/json",
                   "schema": {"type": "object", "required": ["label", "probabilities"],
                              "properties": {"label": {"type": "integer", "minimum": 0, "maximum": 9},
                                             "probabilities": {"type": "array", "minItems": 10, "maxItems": 10,
                                                               "items": {"type": "number"}}}}},
        "training": {"script": "gpu/worker/train/train_digits.py",
                     "data": "sklearn.datasets.load_digits (UCI optical recognition of handwritten digits, test set)",
                     "seed": SEED, "epochs": EPOCHS, "batch": BATCH, "learning_rate": LR,
                     "momentum": MOMENTUM, "weight_decay": WEIGHT_DECAY,
                     "train_samples": int(len(tr)), "test_samples": int(len(te))},
    }
    arrays = {"weights/w0.npy": w0, "weights/b0.npy": b0, "weights/w1.npy": w1, "weights/b1.npy": b1}

    # Score the float32 weights exactly as the worker will load them.
    tmp_manifest = dict(manifest, files={k: "" for k in arrays})
    model = models.DigitsMLP(_Mem(tmp_manifest, arrays), "cpu", 1)
    test_acc, test_loss = evaluate(model, x_all[te], y_all[te])
    train_acc, train_loss = evaluate(model, x_all[tr], y_all[tr])
    manifest["metrics"] = {"test_accuracy": bundle.r(test_acc), "test_loss": bundle.r(test_loss),
                           "train_accuracy": bundle.r(train_acc), "train_loss": bundle.r(train_loss)}
    # The first test image of each class: the worker's load-time self-test
    # and the examples clients can try.
    samples = []
    for label in range(10):
        i = next(i for i in te if y_all[i] == label)
        got = int(np.argmax(model.logits(x_all[i:i + 1])[0]))
        samples.append({"input": {"pixels": [int(v) for v in data.data[i]]}, "expect": {"label": got},
                        "note": f"digits[{int(i)}], true label {label}"})
    manifest["samples"] = samples
    bundle.write(args.out, manifest, arrays)
    print(f"digits: test accuracy {test_acc:.4f}, test loss {test_loss:.4f}, train accuracy {train_acc:.4f}")


class _Mem:
    """A Bundle over in-memory float32 arrays, for scoring before writing."""

    def __init__(self, manifest, arrays):
        self.manifest = manifest
        self.config = manifest["config"]
        self.arrays = {k: np.asarray(v, dtype="<f4") for k, v in arrays.items()}

    def path(self, rel):
        import io
        return io.BytesIO(bundle.npy_bytes(self.arrays[rel]))


if __name__ == "__main__":
    main()
