"""ncnworker: the NCN model worker.

One long-lived process serves one verified model bundle over the framed
protocol in worker.proto (stdin: requests, stdout: responses). It uses only
the standard library, numpy, torch and protobuf; it opens no sockets, starts
no processes and writes only under its scratch directory, so it runs
unchanged inside the host's sandbox (PID 1 of its namespace, read-only root,
seccomp denying inet sockets). Logs go to stderr.
"""

PROTOCOL_VERSION = 1
