#!/usr/bin/env python3
"""The way applications keep an editing session in Redis today, against framekv.

Today: the frame lives in Redis as a Parquet blob. Every edit GETs the
current blob, reads it with pandas, applies the edit, writes Parquet again
and SETs it as a new version key `frame:vN` (a full snapshot per step; the
undo history is the old versions). A small key `frame:current` holds the
number of the current version, so undo and redo are GET the other version
(the application must read it to show it) and SET the pointer. That is the
kindest form of the pattern: no second copy of the current blob.

framekv: FRAME.LOAD, FRAME.APPLY, FRAME.UNDO, FRAME.REDO, FRAME.SUMMARY and
FRAME.ROWS on the server, one command a step.

Both run the same session on the same CSV: load; fill_missing one column;
change_type one column; rename one column; filter rows; drop a column; undo;
undo; redo; summary; one page of 100 rows. Each step is timed as the client
sees it (wall time, pandas work and transfers included). The script prints a
table (step, blob ms, framekv ms, speed-up = blob / framekv), the totals, and
each server's used_memory at the end.

Needs: python3 with redis, pandas and pyarrow:

    python3 -m pip install redis pandas pyarrow

and redis-server 7 on the PATH (or --redis-port of a running one).

Usage (from the repository root):

    python3 benches/blob_pattern.py                 # the ~100 MB CSV
    python3 benches/blob_pattern.py --rows 50000    # a quick run

Options: --csv PATH (default: built with ../shared/data/make-large.sh into a
temporary directory), --rows N (keep the first N data rows),
--redis-port / --framekv-port (use servers already running; they should be
empty: the script writes frame:* keys and creates one session),
--framekv-server PATH (default target/debug/framekv-server, built with
`cargo build --bin framekv-server` when missing), --redis-server PATH.
"""

import argparse
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile

import large_csv  # benches/large_csv.py, beside this script
import time

try:
    import pandas as pd
    import pyarrow  # noqa: F401  (pandas' Parquet engine)
    import redis
except ImportError as e:
    sys.exit(
        f"blob_pattern.py: missing Python package ({e.name}); install with:\n"
        "    python3 -m pip install redis pandas pyarrow"
    )

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The edit session, as framekv ops; the blob side does the same in pandas
# (see BlobSession.apply).
OPS = [
    ("fill_missing citationIssued",
     {"action": "fill_missing",
      "params": {"columns": ["citationIssued"], "method": "value", "value": "NO"}}),
    ("change_type date -> datetime",
     {"action": "change_type", "params": {"column": "date", "dtype": "datetime"}}),
    ("rename neighborhood -> nbhd",
     {"action": "rename_column", "params": {"from": "neighborhood", "to": "nbhd"}}),
    ("filter policePrecinct = 3",
     {"action": "filter", "params": {"where": "policePrecinct = 3"}}),
    ("drop column MDC",
     {"action": "drop_columns", "params": {"columns": ["MDC"]}}),
]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, help="keep only the first N data rows")
    p.add_argument("--csv", help="CSV to use (default: build the large one)")
    p.add_argument("--redis-port", type=int, help="a running redis-server")
    p.add_argument("--framekv-port", type=int, help="a running framekv-server")
    p.add_argument("--framekv-server",
                   default=os.path.join(REPO, "target", "debug", "framekv-server"))
    p.add_argument("--redis-server", default="redis-server")
    return p.parse_args()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port, proc):
    """PING until the server answers; fail if it exited or took over 30 s."""
    deadline = time.monotonic() + 30
    while True:
        if proc is not None and proc.poll() is not None:
            sys.exit(f"server on port {port} exited with {proc.returncode}")
        try:
            r = redis.Redis(port=port, socket_timeout=None)
            r.ping()
            return r
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                sys.exit(f"server on port {port} did not answer within 30 s")
            time.sleep(0.05)


def start_servers(args, workdir):
    """Starts whichever servers were not given by port; returns clients and
    the processes to stop at the end."""
    procs = []
    if args.redis_port:
        rport, rproc = args.redis_port, None
    else:
        rport = free_port()
        # No RDB, no AOF: the comparison is about the edit loop.
        rproc = subprocess.Popen(
            [args.redis_server, "--port", str(rport), "--save", "",
             "--appendonly", "no", "--dir", workdir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(rproc)
    if args.framekv_port:
        fport, fproc = args.framekv_port, None
    else:
        if not os.path.exists(args.framekv_server):
            print("building framekv-server (cargo build --bin framekv-server)")
            subprocess.run(["cargo", "build", "--bin", "framekv-server"],
                           cwd=REPO, check=True)
        fport = free_port()
        fproc = subprocess.Popen(
            [args.framekv_server, "--port", str(fport), "--appendonly", "no",
             "--dir", workdir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(fproc)
    return wait_ready(rport, rproc), wait_ready(fport, fproc), procs


def csv_bytes(args, workdir):
    """The CSV's bytes (--csv, or built with make-large.sh), cut to --rows."""
    return large_csv.csv_bytes(args.csv, args.rows, workdir)


class BlobSession:
    """The application-side pattern: Parquet snapshots in Redis strings."""

    def __init__(self, r):
        self.r = r
        self.current = 0   # version shown to the user
        self.last = 0      # newest version written

    def _read(self, version):
        return pd.read_parquet(io.BytesIO(self.r.get(f"frame:v{version}")))

    def _write(self, df):
        # A new snapshot after the current one; redo versions past it are
        # dropped, as an editor's history does.
        for v in range(self.current + 1, self.last + 1):
            self.r.delete(f"frame:v{v}")
        buf = io.BytesIO()
        df.to_parquet(buf, index=False)
        self.current = self.last = self.current + 1
        self.r.set(f"frame:v{self.current}", buf.getvalue())
        self.r.set("frame:current", self.current)

    def load(self, data):
        df = pd.read_csv(io.BytesIO(data))
        buf = io.BytesIO()
        df.to_parquet(buf, index=False)
        self.r.set("frame:v0", buf.getvalue())
        self.r.set("frame:current", 0)

    def apply(self, op):
        df = self._read(self.current)
        action, params = op["action"], op["params"]
        if action == "fill_missing":
            for c in params["columns"]:
                col = df[c]
                # A column with no values at all (e.g. in a cut-down CSV)
                # reads as float64, which cannot take a text fill value.
                if pd.api.types.is_numeric_dtype(col) and isinstance(params["value"], str):
                    col = col.astype(object)
                df[c] = col.fillna(params["value"])
        elif action == "change_type":
            df[params["column"]] = pd.to_datetime(df[params["column"]])
        elif action == "rename_column":
            df = df.rename(columns={params["from"]: params["to"]})
        elif action == "filter":
            df = df[df["policePrecinct"] == 3]
        elif action == "drop_columns":
            df = df.drop(columns=params["columns"])
        else:
            raise ValueError(f"no pandas form for {action}")
        self._write(df)

    def move(self, step):
        target = self.current + step
        if not 0 <= target <= self.last:
            raise RuntimeError("nothing to undo/redo")
        self._read(target)  # the application shows the version it moved to
        self.current = target
        self.r.set("frame:current", target)

    def summary(self):
        return self._read(self.current).describe(include="all")

    def page(self):
        df = self._read(self.current)
        return json.loads(df.iloc[:100].to_json(orient="records", date_format="iso"))


class FramekvSession:
    """The same session with framekv's commands; an error reply raises."""

    def __init__(self, r):
        self.r = r
        self.sid = r.execute_command("SESSION.CREATE").decode()

    def load(self, data):
        self.r.execute_command("FRAME.LOAD", self.sid, "stops", "FORMAT", "csv",
                               "DATA", data)

    def apply(self, op):
        self.r.execute_command("FRAME.APPLY", self.sid, "stops", json.dumps(op))

    def move(self, step):
        cmd = "FRAME.UNDO" if step < 0 else "FRAME.REDO"
        self.r.execute_command(cmd, self.sid, "stops", abs(step))

    def summary(self):
        return self.r.execute_command("FRAME.SUMMARY", self.sid, "stops")

    def page(self):
        return json.loads(self.r.execute_command(
            "FRAME.ROWS", self.sid, "stops", "LIMIT", 100))


def run_session(s, data):
    """Runs the edit session on `s`; returns [(step, ms)]."""
    steps = [("load csv", lambda: s.load(data))]
    for label, op in OPS:
        steps.append((label, lambda op=op: s.apply(op)))
    steps += [
        ("undo", lambda: s.move(-1)),
        ("undo", lambda: s.move(-1)),
        ("redo", lambda: s.move(1)),
        ("summary (describe)", s.summary),
        ("one page of 100 rows", s.page),
    ]
    times = []
    for label, f in steps:
        started = time.perf_counter()
        f()
        times.append((label, (time.perf_counter() - started) * 1000))
    return times


def used_memory(r):
    return r.info("memory")["used_memory"]


def main():
    args = parse_args()
    workdir = tempfile.mkdtemp(prefix="framekv-blob-")
    procs = []
    try:
        data = csv_bytes(args, workdir)
        rows = data.count(b"\n") - 1
        print(f"CSV: {len(data)} bytes, {rows} rows")
        rblob, rfkv, procs = start_servers(args, workdir)
        blob = run_session(BlobSession(rblob), data)
        fkv = run_session(FramekvSession(rfkv), data)

        print(f"\n{'step':<32} {'blob ms':>10} {'framekv ms':>11} {'speed-up':>9}")
        print("-" * 65)
        for (label, b), (_, f) in zip(blob, fkv):
            print(f"{label:<32} {b:>10.1f} {f:>11.1f} {b / max(f, 1e-6):>8.1f}x")
        tb, tf = sum(t for _, t in blob), sum(t for _, t in fkv)
        print("-" * 65)
        print(f"{'total':<32} {tb:>10.1f} {tf:>11.1f} {tb / max(tf, 1e-6):>8.1f}x")

        mb, mf = used_memory(rblob), used_memory(rfkv)
        print(f"\nused_memory at the end: redis (blobs) {mb / 1e6:.1f} MB, "
              f"framekv {mf / 1e6:.1f} MB")
    finally:
        for p in procs:
            p.terminate()
            p.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
