#!/usr/bin/env python3
"""Does one client's heavy frame work stall everyone else? GET latency of
client B while client A runs ops on the ~100 MB frame, against a baseline.

Starts framekv-server (or takes --framekv-port of a running one), SETs a
key, loads the large CSV into a session, then:

1. baseline: client B alone, GET in a tight loop for --baseline seconds;
2. under load: client A (a separate process, so that Python's GIL cannot
   stall B) loops FRAME.APPLY change_type (date -> datetime) then UNDO,
   FRAME.APPLY sort (by date) then UNDO, and FRAME.SUMMARY, for --duration
   seconds, while client B runs the same GET loop.

Client B sends one request at a time and times each round trip. The script
prints p50, p99 and max for both phases and whether p99 meets the issue's
target (< 2 ms). Standard library only: a small RESP client over a socket.

Usage (from the repository root):

    python3 benches/latency_isolation.py                 # the ~100 MB CSV, 20 s
    python3 benches/latency_isolation.py --rows 50000 --duration 5

Options: --csv PATH (default: built with ../shared/data/make-large.sh into a
temporary directory), --rows N (keep the first N data rows), --duration S
(client A's run, default 20), --baseline S (default 5), --framekv-port
(a running server), --framekv-server PATH (default
target/debug/framekv-server, built with `cargo build --bin framekv-server`
when missing).
"""

import argparse
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import tempfile

import large_csv  # benches/large_csv.py, beside this script
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET_P99_MS = 2.0

# Client A's loop: each heavy op is undone so the history stays at one
# version and every round works on the full table.
HEAVY = [
    ("FRAME.APPLY", '{"action":"change_type","params":{"column":"date","dtype":"datetime"}}'),
    ("FRAME.UNDO",),
    ("FRAME.APPLY", '{"action":"sort","params":{"by":["date"]}}'),
    ("FRAME.UNDO",),
    ("FRAME.SUMMARY",),
]


class ReplyError(Exception):
    """An error reply from the server."""


class Resp:
    """A minimal RESP2 client: one request at a time, replies parsed fully."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        # Small requests must leave at once, not wait for Nagle.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.rfile = self.sock.makefile("rb")

    def call(self, *args):
        parts = [b"*%d\r\n" % len(args)]
        for a in args:
            b = a if isinstance(a, bytes) else str(a).encode()
            parts.append(b"$%d\r\n" % len(b))
            parts.append(b)
            parts.append(b"\r\n")
        self.sock.sendall(b"".join(parts))
        return self._read()

    def _read(self):
        line = self.rfile.readline()
        if not line:
            raise ConnectionError("server closed the connection")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest
        if kind == b"-":
            raise ReplyError(rest.decode(errors="replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.rfile.read(n + 2)
            return data[:-2]
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._read() for _ in range(n)]
        if kind in (b",", b"#", b"_"):  # RESP3 scalars, should HELLO 3 be used
            return rest
        raise ConnectionError(f"unexpected reply type {line!r}")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--csv")
    p.add_argument("--rows", type=int)
    p.add_argument("--duration", type=float, default=20.0)
    p.add_argument("--baseline", type=float, default=5.0)
    p.add_argument("--framekv-port", type=int)
    p.add_argument("--framekv-server",
                   default=os.path.join(REPO, "target", "debug", "framekv-server"))
    return p.parse_args()


def csv_bytes(args, workdir):
    """The CSV's bytes (--csv, or built with make-large.sh), cut to --rows."""
    return large_csv.csv_bytes(args.csv, args.rows, workdir)


def start_server(args, workdir):
    if args.framekv_port:
        return args.framekv_port, None
    if not os.path.exists(args.framekv_server):
        print("building framekv-server (cargo build --bin framekv-server)")
        subprocess.run(["cargo", "build", "--bin", "framekv-server"], cwd=REPO, check=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [args.framekv_server, "--port", str(port), "--appendonly", "no", "--dir", workdir],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None:
            sys.exit(f"framekv-server exited with {proc.returncode}")
        try:
            Resp(port).call("PING")
            return port, proc
        except OSError:
            if time.monotonic() > deadline:
                sys.exit("framekv-server did not answer within 30 s")
            time.sleep(0.05)


def get_loop(port, seconds):
    """Client B: GET round trips for `seconds`; returns each one in ms."""
    c = Resp(port)
    samples = []
    end = time.perf_counter() + seconds
    while True:
        started = time.perf_counter()
        if started >= end:
            return samples
        if c.call("GET", "bench:key") is None:
            raise RuntimeError("bench:key vanished")
        samples.append((time.perf_counter() - started) * 1000)


def heavy_loop(port, sid, stop, result):
    """Client A: the heavy commands, round after round, until `stop`.
    Puts (commands done, seconds) or the error's text in `result`."""
    try:
        c = Resp(port)
        done = 0
        started = time.perf_counter()
        while not stop.is_set():
            for cmd in HEAVY:
                c.call(cmd[0], sid, "stops", *cmd[1:])
                done += 1
        result.put((done, time.perf_counter() - started))
    except Exception as e:  # reported by the parent, loudly
        result.put(f"client A failed: {e}")


def percentile(sorted_ms, q):
    """Nearest-rank percentile of an already sorted list."""
    rank = max(1, min(len(sorted_ms), -(-int(q * 1000) * len(sorted_ms) // 1000)))
    return sorted_ms[rank - 1]


def report(label, samples):
    s = sorted(samples)
    p50, p99 = percentile(s, 0.50), percentile(s, 0.99)
    verdict = "met" if p99 < TARGET_P99_MS else "NOT met"
    print(f"{label:<34} {len(s):>9} {p50:>8.3f} {p99:>8.3f} {s[-1]:>9.3f}  {verdict}")


def main():
    args = parse_args()
    workdir = tempfile.mkdtemp(prefix="framekv-latency-")
    proc = None
    try:
        data = csv_bytes(args, workdir)
        port, proc = start_server(args, workdir)
        c = Resp(port)
        c.call("SET", "bench:key", "x" * 64)
        sid = c.call("SESSION.CREATE").decode()
        rows = data.count(b"\n") - 1
        print(f"loading {len(data)} bytes of CSV ({rows} rows) into session {sid}")
        c.call("FRAME.LOAD", sid, "stops", "FORMAT", "csv", "DATA", data)
        del data

        baseline = get_loop(port, args.baseline)

        ctx = multiprocessing.get_context("spawn")
        stop, result = ctx.Event(), ctx.Queue()
        a = ctx.Process(target=heavy_loop, args=(port, sid, stop, result))
        a.start()
        loaded = get_loop(port, args.duration)
        stop.set()
        # Client A finishes the command in flight first; a dead client A
        # must not hang the script.
        try:
            outcome = result.get(timeout=600)
        except Exception:
            outcome = "client A did not report within 600 s"
        a.join()
        if isinstance(outcome, str):
            sys.exit(outcome)
        done, secs = outcome

        print(f"\nclient A: {done} heavy commands in {secs:.1f} s "
              f"(change_type, undo, sort, undo, summary, repeated)")
        print(f"\n{'GET round trip (client B)':<34} {'requests':>9} {'p50 ms':>8} "
              f"{'p99 ms':>8} {'max ms':>9}  p99 < {TARGET_P99_MS} ms")
        print("-" * 86)
        report(f"baseline, {args.baseline:g} s alone", baseline)
        report(f"during client A's ops, {args.duration:g} s", loaded)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
