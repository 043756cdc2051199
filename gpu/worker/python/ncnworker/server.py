"""The worker's main loop: load and verify the bundle, say Hello, then serve
framed requests from stdin until shutdown or end of input."""

import json
import os
import platform
import resource
import struct
import sys
import time
import traceback

from . import PROTOCOL_VERSION, bundle as bundlemod, models, schema
from . import worker_pb2 as pb

Code = pb.Error


class FramingError(Exception):
    pass


class Conn:
    """Length-prefixed protobuf frames over two file descriptors."""

    def __init__(self, rfd, wfd, max_frame):
        self.rfd, self.wfd, self.max = rfd, wfd, max_frame

    def _read_exact(self, n):
        buf = bytearray()
        while len(buf) < n:
            b = os.read(self.rfd, min(n - len(buf), 1 << 20))
            if not b:
                if buf:
                    raise FramingError(f"end of input inside a frame ({len(buf)} of {n} bytes)")
                return None
            buf += b
        return bytes(buf)

    def read(self):
        """The next Request, or None at a clean end of input."""
        head = self._read_exact(4)
        if head is None:
            return None
        (n,) = struct.unpack(">I", head)
        if n > self.max:
            # Refuse before reading or allocating: the stream cannot be
            # resynchronised after this, so the caller exits.
            raise FramingError(f"frame of {n} bytes exceeds the {self.max}-byte limit")
        body = self._read_exact(n) if n else b""
        if body is None:
            raise FramingError("end of input inside a frame")
        req = pb.Request()
        try:
            req.ParseFromString(body)
        except Exception as e:  # DecodeError, or worse from a hostile body
            raise FramingError(f"undecodable request: {e}") from None
        return req

    def write(self, resp):
        data = resp.SerializeToString()
        if len(data) > self.max:
            raise OverflowError(len(data))
        buf = memoryview(struct.pack(">I", len(data)) + data)
        while buf:
            n = os.write(self.wfd, buf)
            buf = buf[n:]


def now_ms():
    return time.time_ns() // 1_000_000


def rss_bytes():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0  # no /proc inside some sandboxes


class Server:
    def __init__(self, conn, bundle, model, log):
        self.conn, self.bundle, self.model, self.log = conn, bundle, model, log
        self.served = 0
        m = bundle.manifest
        self.in_type = m["input"]["content_type"]
        self.in_schema = m["input"]["schema"]
        self.params_schema = m["params"]["schema"]

    def decode(self, raw, params_json):
        """Input bytes and params JSON -> (value, params), or (code, message)."""
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise RequestError(Code.INVALID_INPUT, f"input is not UTF-8: {e}")
        if self.in_type == "application/json":
            try:
                value = json.loads(text)
            except (ValueError, RecursionError) as e:
                raise RequestError(Code.INVALID_INPUT, f"input is not JSON: {e}")
        else:
            value = text
        try:
            schema.validate(self.in_schema, value, "input")
        except (schema.ValidationError, RecursionError) as e:
            raise RequestError(Code.INVALID_INPUT, str(e))
        try:
            params = json.loads(params_json) if params_json else {}
            schema.validate(self.params_schema, params, "params")
        except (ValueError, RecursionError) as e:
            raise RequestError(Code.INVALID_PARAMS, str(e))
        return value, params

    def infer(self, value, params, deadline_ms, emit):
        def deadline():
            if deadline_ms and now_ms() >= deadline_ms:
                raise models.DeadlineExceeded()

        return self.model.run(value, params, emit, deadline)

    def handle(self, req):
        rid = req.request_id
        if req.kind == pb.Request.KIND_HEALTH:
            self.conn.write(pb.Response(request_id=rid, health=pb.Health(served=self.served, rss_bytes=rss_bytes())))
            return
        if req.kind != pb.Request.KIND_INFER:
            self.error(rid, Code.UNSUPPORTED, f"unsupported request kind {req.kind}")
            return
        index = 0

        def emit(chunk):
            nonlocal index
            self.conn.write(pb.Response(request_id=rid, partial=pb.Partial(chunk=chunk, index=index)))
            index += 1

        start = time.perf_counter_ns()
        try:
            if req.deadline_unix_ms and now_ms() >= req.deadline_unix_ms:
                raise models.DeadlineExceeded()
            value, params = self.decode(req.input, req.params_json)
            output, tokens = self.infer(value, params, req.deadline_unix_ms, emit)
        except RequestError as e:
            self.error(rid, e.code, e.message)
            return
        except models.DeadlineExceeded:
            self.error(rid, Code.DEADLINE_EXCEEDED, "deadline exceeded")
            return
        except models.InputError as e:
            self.error(rid, Code.INVALID_INPUT, str(e))
            return
        except Exception as e:  # the model failed; the worker must not
            self.log(f"request {rid}: {traceback.format_exc()}")
            self.error(rid, Code.INTERNAL, f"{type(e).__name__}: {e}")
            return
        finally:
            self.served += 1
        micros = (time.perf_counter_ns() - start) // 1000
        try:
            self.conn.write(pb.Response(request_id=rid, final=pb.Final(output=output, tokens=tokens, compute_micros=micros)))
        except OverflowError as e:
            self.error(rid, Code.OUTPUT_TOO_LARGE, f"output of {len(output)} bytes does not fit in a frame")

    def error(self, rid, code, message):
        self.conn.write(pb.Response(request_id=rid, error=pb.Error(code=code, message=message)))

    def self_test(self):
        """Run the manifest's sample requests; a bundle whose model does not
        give its own recorded answers is refused."""
        for i, s in enumerate(self.bundle.manifest.get("samples", [])):
            raw = s["input"] if isinstance(s["input"], str) else json.dumps(s["input"])
            value, params = self.decode(raw.encode("utf-8"), json.dumps(s.get("params", {})))
            out, _ = self.infer(value, params, 0, lambda chunk: None)
            want = s["expect"]
            if isinstance(want, dict):
                got = json.loads(out)
                bad = {k: (got.get(k), v) for k, v in want.items() if got.get(k) != v}
            else:
                got = out.decode("utf-8")
                bad = {"output": (got, want)} if got != want else {}
            if bad:
                raise bundlemod.BundleError(f"self-test sample {i}: got/want {bad}")

    def serve(self):
        while True:
            req = self.conn.read()
            if req is None or req.kind == pb.Request.KIND_SHUTDOWN:
                return
            self.handle(req)


class RequestError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


def main(args, log):
    """Returns the process exit status."""
    # The protocol owns the original stdout; fd 1 becomes stderr so that a
    # stray print (ours or a library's, even from C) cannot corrupt a frame.
    wfd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    conn = Conn(0, wfd, args.max_frame)
    try:
        b = bundlemod.load(args.model)
        runtime_version = setup_runtime(b.runtime, args.threads)
        device = args.device
        model = models.load(b, device, args.threads)
        server = Server(conn, b, model, log)
        server.self_test()
    except Exception as e:
        log(f"model refused: {traceback.format_exc()}")
        conn.write(pb.Response(error=pb.Error(code=Code.MODEL_INVALID, message=f"{type(e).__name__}: {e}")))
        return 3
    conn.write(pb.Response(hello=pb.Hello(
        protocol_version=PROTOCOL_VERSION, model_name=b.name, model_version=b.version,
        runtime=b.runtime, runtime_version=runtime_version,
        python_version=platform.python_version(), task=b.task, device=device,
        threads=args.threads, manifest_sha256=b.digest)))
    log(f"serving {b.name} {b.version} ({b.runtime} {runtime_version}, {device}, {args.threads} threads)")
    try:
        server.serve()
    except FramingError as e:
        log(f"framing: {e}")
        try:
            conn.write(pb.Response(error=pb.Error(code=Code.FRAMING, message=str(e))))
        except OSError:
            pass
        return 2
    except BrokenPipeError:
        return 1  # the host stopped listening
    return 0


def setup_runtime(runtime, threads):
    import numpy

    if runtime == "numpy":
        return numpy.__version__
    import torch

    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    return torch.__version__
