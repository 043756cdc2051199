"""Writes a model bundle byte for byte the same on every run: weights as
.npy (format 1.0, little-endian float32, C order), JSON with sorted keys,
and a manifest listing the sha256 of every file."""

import hashlib
import json
import os
import shutil
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
# The training scripts evaluate with the worker's own model code, so the
# metrics in a manifest are those of the model the worker serves.
sys.path.insert(0, os.path.join(HERE, "..", "python"))


def write(out, manifest, arrays, extra_files=None):
    """arrays: {relative path: ndarray}; extra_files: {relative path: bytes}."""
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    files = {}
    blobs = dict(extra_files or {})
    for rel, a in arrays.items():
        blobs[rel] = npy_bytes(a)
    for rel in sorted(blobs):
        path = os.path.join(out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(blobs[rel])
        files[rel] = hashlib.sha256(blobs[rel]).hexdigest()
    manifest = dict(manifest, files=files, format=1)
    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(manifest, sort_keys=True, indent=2) + "\n")


def npy_bytes(a):
    """The .npy encoding of a as little-endian float32, written here rather
    than by np.save so the header cannot change with numpy's version."""
    a = np.ascontiguousarray(a, dtype="<f4")
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % (tuple(a.shape),)
    # Pad so that magic(6) + version(2) + len(2) + header + '\n' is a
    # multiple of 64, as the format asks.
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * (pad % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode("latin1") + a.tobytes()


def json_bytes(obj):
    return (json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=True) + "\n").encode()


def r(x, n=6):
    """Round a metric for the manifest."""
    return round(float(x), n)
