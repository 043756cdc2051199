"""Trains the `charlm` model: a character-level GRU language model (torch) on
corpus.txt (short fables written for this repository, licensed with it), and
writes its bundle. Deterministic: fixed seeds, one thread, deterministic
algorithms, weights written as raw little-endian float32 .npy (torch.save's
zip container is not byte-stable); run twice, get the same bytes.

    /usr/bin/python3 -B train/train_charlm.py --out models/charlm
"""

import argparse
import json
import math
import os

os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402
import torch  # noqa: E402

import bundle  # noqa: E402
from ncnworker import models  # noqa: E402

SEED = 20240601
EMBED = 24
HIDDEN = 96
LAYERS = 1
SEQ = 64
BATCH = 32
STEPS = 300
LR = 0.008
CLIP = 1.0
DROPOUT = 0.25
VAL_FRACTION = 0.1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(SEED)
    rng = np.random.Generator(np.random.PCG64(SEED))

    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "corpus.txt"), encoding="utf-8") as f:
        text = f.read()
    vocab = sorted(set(text))
    index = {c: i for i, c in enumerate(vocab)}
    data = torch.tensor([index[c] for c in text], dtype=torch.long)
    cut = int(len(data) * (1 - VAL_FRACTION))
    train, val = data[:cut], data[cut:]

    net = models.build_char_gru(torch, len(vocab), EMBED, HIDDEN, LAYERS, DROPOUT)
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    lossf = torch.nn.CrossEntropyLoss()
    net.train()
    for step in range(STEPS):
        starts = rng.integers(0, len(train) - SEQ - 1, BATCH)
        x = torch.stack([train[s:s + SEQ] for s in starts])
        y = torch.stack([train[s + 1:s + SEQ + 1] for s in starts])
        logits, _ = net(x)
        loss = lossf(logits.reshape(-1, len(vocab)), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), CLIP)
        opt.step()
        # Cosine decay: a small corpus needs a gentle end to settle.
        for g in opt.param_groups:
            g["lr"] = LR * 0.5 * (1 + math.cos(math.pi * (step + 1) / STEPS))

    # Score the float32 weights as stored, over whole spans (not windows).
    net.eval()
    with torch.no_grad():
        def nll(span):
            logits, _ = net(span[:-1].unsqueeze(0))
            return float(lossf(logits[0], span[1:]))
        train_loss, val_loss = nll(train), nll(val)

    arrays = {f"weights/{k}.npy": v.detach().numpy() for k, v in net.state_dict().items()}
    vocab_json = bundle.json_bytes(vocab)
    manifest = {
        "name": "charlm",
        "version": "1.0.0",
        "runtime": "torch",
        "task": "text-generation",
        "architecture": "char-gru",
        "description": "Character-level GRU that continues a prompt in the style of short fables; streams one character per token.",
        "config": {"vocab_file": "vocab.json", "embed": EMBED, "hidden": HIDDEN, "layers": LAYERS},
        "input": {"content_type": "text/plain; charset=utf-8",
                  "schema": {"type": "string", "minLength": 1, "maxLength": 2048,
                             "description": "the prompt; every character must be in vocab.json"}},
        "params": {"schema": {"type": "object", "additionalProperties": False, "properties": {
            "max_tokens": {"type": "integer", "minimum": 1, "maximum": 1024, "default": 64},
            "temperature": {"type": "number", "minimum": 0, "maximum": 2, "default": 0,
                            "description": "0 picks the likeliest character"},
            "seed": {"type": "integer", "minimum": 0, "maximum": 2147483647, "default": 0}}}},
        "output": {"content_type": "text/plain; charset=utf-8",
                   "schema": {"type": "string", "description": "the continuation (without the prompt)"}},
        "metrics": {"train_loss": bundle.r(train_loss), "val_loss": bundle.r(val_loss),
                    "val_bits_per_char": bundle.r(val_loss / math.log(2)),
                    "train_chars": int(len(train)), "val_chars": int(len(val)), "vocab": len(vocab)},
        "training": {"script": "gpu/worker/train/train_charlm.py", "data": "gpu/worker/train/corpus.txt",
                     "seed": SEED, "steps": STEPS, "dropout": DROPOUT, "batch": BATCH, "seq": SEQ, "learning_rate": LR,
                     "optimizer": "adam, cosine decay", "loss": "cross-entropy, nats per character"},
    }

    # Greedy continuations: the worker's load-time self-test.
    gen = _Gen(net, vocab, index)
    manifest["samples"] = [{"input": p, "params": {"max_tokens": 40}, "expect": gen(p, 40)}
                           for p in ("The fox ", "Slow and steady", "\"Please let me go,\" said")]
    bundle.write(args.out, manifest, arrays, {"vocab.json": vocab_json})
    print(f"charlm: train loss {train_loss:.4f}, val loss {val_loss:.4f} nats/char; sample: {manifest['samples'][0]['expect']!r}")


class _Gen:
    """Greedy decoding through the worker's own CharGRU code path."""

    def __init__(self, net, vocab, index):
        m = models.CharGRU.__new__(models.CharGRU)
        m.torch, m.vocab, m.index, m.net, m.device = torch, vocab, index, net, torch.device("cpu")
        self.m = m

    def __call__(self, prompt, n):
        out, _ = self.m.run(prompt, {"max_tokens": n}, lambda c: None, lambda: None)
        return out.decode("utf-8")


if __name__ == "__main__":
    main()
