"""Model bundles: a directory with manifest.json and the files it lists.

The worker verifies a bundle before loading anything from it (the host has
already done the same; checking again here closes the window between the
two and protects a worker started by hand). Bundles are data only: weights
as .npy (loaded with allow_pickle=False) and JSON. The model code is part of
the worker (models.py), chosen by the manifest's architecture, so a bundle
can never run code.
"""

import hashlib
import json
import os
import re
import stat

from . import schema

MANIFEST = "manifest.json"
RUNTIMES = ("numpy", "torch")
TASKS = ("image-classification", "text-generation")
CONTENT_TYPES = ("application/json", "text/plain; charset=utf-8")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
REQUIRED = ("format", "name", "version", "runtime", "task", "architecture",
            "config", "input", "params", "output", "files", "metrics")


class BundleError(Exception):
    """The bundle is malformed, incomplete or tampered with."""


class Bundle:
    def __init__(self, root, manifest, digest):
        self.root = root
        self.manifest = manifest
        self.digest = digest  # hex sha256 of manifest.json

    def path(self, rel):
        if rel not in self.manifest["files"]:
            raise BundleError(f"{rel} is not listed in the manifest")
        return os.path.join(self.root, rel)

    def __getattr__(self, key):
        try:
            return self.manifest[key]
        except KeyError:
            raise AttributeError(key) from None


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _clean(rel):
    parts = rel.split("/")
    return (rel and not rel.startswith("/") and "\\" not in rel
            and all(p not in ("", ".", "..") for p in parts))


def load(root):
    """Verify and return the bundle at root, or raise BundleError."""
    mpath = os.path.join(root, MANIFEST)
    try:
        with open(mpath, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise BundleError(f"read manifest: {e}") from None
    try:
        m = json.loads(raw)
    except ValueError as e:
        raise BundleError(f"manifest is not JSON: {e}") from None
    if not isinstance(m, dict):
        raise BundleError("manifest is not an object")
    missing = [k for k in REQUIRED if k not in m]
    if missing:
        raise BundleError(f"manifest lacks {missing}")
    if m["format"] != 1:
        raise BundleError(f"unknown manifest format {m['format']!r}")
    if not isinstance(m["name"], str) or not NAME_RE.match(m["name"]):
        raise BundleError(f"bad model name {m['name']!r}")
    if not isinstance(m["version"], str) or not m["version"]:
        raise BundleError("empty version")
    if m["runtime"] not in RUNTIMES:
        raise BundleError(f"runtime {m['runtime']!r} not in {RUNTIMES}")
    if m["task"] not in TASKS:
        raise BundleError(f"task {m['task']!r} not in {TASKS}")
    for io in ("input", "output"):
        if m[io].get("content_type") not in CONTENT_TYPES:
            raise BundleError(f"{io}.content_type not in {CONTENT_TYPES}")
    try:
        for io in ("input", "params", "output"):
            schema.check_schema(m[io].get("schema"), f"{io}.schema")
    except schema.SchemaError as e:
        raise BundleError(str(e)) from None
    files = m["files"]
    if not isinstance(files, dict) or not files:
        raise BundleError("files must be a non-empty object")

    # Every file present must be listed and every listed file present and
    # intact: an extra file could shadow something, a missing one is damage.
    present = set()
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            if os.path.islink(os.path.join(dirpath, d)):
                raise BundleError(f"symlink {d} in bundle")
        for fn in filenames:
            rel = os.path.relpath(os.path.join(dirpath, fn), root)
            present.add(rel.replace(os.sep, "/"))
    present.discard(MANIFEST)
    for rel, want in sorted(files.items()):
        if not _clean(rel) or rel == MANIFEST:
            raise BundleError(f"bad file name {rel!r}")
        p = os.path.join(root, rel)
        st = os.lstat(p) if os.path.lexists(p) else None
        if st is None:
            raise BundleError(f"{rel}: listed but missing")
        if not stat.S_ISREG(st.st_mode):
            raise BundleError(f"{rel}: not a regular file")
        got = _sha256(p)
        if got != want:
            raise BundleError(f"{rel}: sha256 {got}, manifest says {want}")
    extra = sorted(present - set(files))
    if extra:
        raise BundleError(f"files not in the manifest: {extra}")
    return Bundle(root, m, hashlib.sha256(raw).hexdigest())
