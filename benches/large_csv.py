"""The ~100 MB benchmark CSV for the Python benchmarks (blob_pattern.py,
latency_isolation.py): built with ../shared/data/make-large.sh, or read
from a given path, and optionally cut to its first rows."""

import os
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAKE_LARGE = os.path.join(REPO, "..", "shared", "data", "make-large.sh")


def csv_bytes(path, rows, workdir):
    """The CSV's bytes: `path`, or (when None) the file make-large.sh writes
    into `workdir`; cut to `rows` data lines when `rows` is not None
    (make-large.sh writes one record a line, so cutting at newlines keeps
    records whole)."""
    if path is None:
        path = os.path.join(workdir, "large.csv")
        subprocess.run(["sh", MAKE_LARGE, path], check=True)
    with open(path, "rb") as f:
        data = f.read()
    if rows is not None:
        end = -1
        for _ in range(rows + 1):  # the header, then N rows
            end = data.find(b"\n", end + 1)
            if end < 0:
                break
        if end >= 0:
            data = data[:end + 1]
    return data
