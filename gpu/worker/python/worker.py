"""Entry point of the NCN model worker: python3 -E -s -B worker.py --model
BUNDLE --scratch DIR [--threads N]. See ncnworker/__init__.py."""

import argparse
import os
import signal
import sys
import tempfile


def log(msg):
    sys.stderr.write(f"ncnworker[{os.getpid()}]: {msg}\n")
    sys.stderr.flush()


def main():
    p = argparse.ArgumentParser(description="NCN model worker")
    p.add_argument("--model", required=True, help="model bundle directory (read-only)")
    p.add_argument("--scratch", required=True, help="the only directory the worker may write")
    p.add_argument("--threads", type=int, default=1, help="compute threads for numpy/torch")
    p.add_argument("--device", default="cpu", help="cpu or cuda:N")
    p.add_argument("--max-frame", type=int, default=16 << 20, help="largest frame accepted or sent, bytes")
    args = p.parse_args()
    if args.threads < 1:
        p.error("--threads must be at least 1")

    # As PID 1 of a PID namespace the kernel drops signals that have no
    # handler, so SIGTERM would be ignored without these.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda s, f: os._exit(128 + s))

    # Everything that might write (tempfile, caches of numpy/torch) points at
    # scratch; the rest of the filesystem may be read-only.
    scratch = os.path.abspath(args.scratch)
    args.model = os.path.abspath(args.model)
    for k in ("TMPDIR", "HOME", "XDG_CACHE_HOME", "TORCH_HOME"):
        os.environ[k] = scratch
    tempfile.tempdir = scratch
    os.chdir(scratch)
    # BLAS and OpenMP read these when numpy/torch load, which is below.
    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[k] = str(args.threads)
    sys.dont_write_bytecode = True

    from ncnworker import server

    sys.exit(server.main(args, log))


if __name__ == "__main__":
    main()
