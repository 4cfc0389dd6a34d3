#!/usr/bin/env python3
"""Writes the fuzz targets' seed inputs into fuzz/seeds/<target>/.

Usage: python3 fuzz/make_seeds.py [path/to/framekv-server]

The request and ops seeds are written from the lists below. The aof seeds
are real AOF files: the script starts framekv-server with `appendonly yes`
in a scratch directory, runs a session through it (loads, ops that are
logged as FRAME.PUSH snapshots, undo, a rewrite that writes SESSION.RESTORE
and FRAME.RESTORE), and turns the files it wrote into the aof target's three
input kinds (see fuzz_targets/aof.rs). Standard library only.
"""

import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = os.path.join(HERE, "seeds")
SHARED_DATA = next(
    p
    for p in (os.path.join(HERE, "../../shared/data"), os.path.join(HERE, "../shared/data"))
    if os.path.isdir(p)
)


def resp(*args):
    """One command as a RESP multibulk."""
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def titanic_head(rows):
    with open(os.path.join(SHARED_DATA, "titanic.csv"), "rb") as f:
        return b"".join(f.readlines()[: rows + 1])


OPS = [
    '{"action":"fill_missing","params":{"columns":["age"],"method":"median"}}',
    '{"action":"fill_missing","params":{"columns":["embark_town"],"method":"value","value":"unknown"}}',
    '{"action":"drop_columns","params":{"columns":["deck","alive"]}}',
    '{"action":"rename_column","params":{"from":"sex","to":"gender"}}',
    '{"action":"rename_column","params":{"mapping":{"age":"years","fare":"price"}}}',
    '{"action":"change_type","params":{"column":"age","dtype":"int64","strict":false}}',
    '{"action":"change_type","params":{"column":"fare","dtype":"str"}}',
    '{"action":"drop_missing","params":{"how":"any","columns":["age"]}}',
    '{"action":"filter","params":{"where":"age >= 18 AND sex = \'female\'"}}',
    '{"action":"sort","params":{"by":["fare","age"],"descending":[true,false]}}',
    '{"action":"select","params":{"columns":["survived","pclass","age"]}}',
    '{"action":"drop_duplicates","params":{"columns":["pclass","sex"],"keep":"first"}}',
    '{"action":"replace_values","params":{"column":"sex","mapping":{"male":"m","female":"f"}}}',
    '{"action":"add_column","params":{"name":"fare_per_age","expr":"fare / age"}}',
    '{"action":"string_transform","params":{"columns":["who"],"transform":"upper"}}',
    '{"action":"sql","params":{"query":"SELECT pclass, AVG(fare) AS f FROM self GROUP BY pclass ORDER BY pclass"}}',
    '{"action":"sql","params":{"query":"SELECT s.age FROM self s JOIN people p ON s.fare = p.fare LIMIT 3"}}',
    '[{"action":"drop_columns","params":{"columns":["deck"]}},{"action":"filter","params":{"where":"age IS NOT NULL"}}]',
]

REQUESTS = {
    "strings": resp("SET", "k", "v", "EX", "10")
    + resp("GET", "k")
    + resp("APPEND", "k", "tail")
    + resp("SETRANGE", "k", "3", "xyz")
    + resp("INCRBYFLOAT", "n", "1.5")
    + resp("GETEX", "k", "PERSIST")
    + resp("SET", "k", "w", "GET", "KEEPTTL"),
    "inline": b"PING\r\nSET a \"quoted \\x41 value\"\r\nGET a\r\n  \r\nECHO 'single'\n",
    "types": resp("HSET", "h", "f", "1", "g", "2")
    + resp("HINCRBY", "h", "f", "3")
    + resp("LPUSH", "l", "a", "b", "c")
    + resp("LRANGE", "l", "0", "-1")
    + resp("SADD", "s", "x", "y")
    + resp("SINTERSTORE", "d", "s", "s")
    + resp("ZADD", "z", "1", "a", "2.5", "b")
    + resp("ZRANGE", "z", "0", "-1", "WITHSCORES")
    + resp("XADD", "st", "*", "f", "v")
    + resp("XRANGE", "st", "-", "+")
    + resp("PFADD", "hll", "a", "b")
    + resp("SETBIT", "bits", "7", "1")
    + resp("BITCOUNT", "bits")
    + resp("SORT", "l", "ALPHA", "LIMIT", "0", "2"),
    "multi": resp("MULTI")
    + resp("SET", "a", "1")
    + resp("INCR", "a")
    + resp("EXEC")
    + resp("WATCH", "a")
    + resp("MULTI")
    + resp("DISCARD"),
    "keys": resp("SET", "a", "1")
    + resp("EXPIRE", "a", "100")
    + resp("TTL", "a")
    + resp("RENAME", "a", "b")
    + resp("DUMP", "b")
    + resp("SCAN", "0", "MATCH", "*", "COUNT", "10")
    + resp("OBJECT", "ENCODING", "b")
    + resp("COPY", "b", "c", "DB", "1")
    + resp("KEYS", "*"),
    "server": resp("HELLO", "3")
    + resp("CLIENT", "SETNAME", "fuzz")
    + resp("CLIENT", "LIST")
    + resp("CONFIG", "GET", "maxmemory*")
    + resp("CONFIG", "SET", "maxmemory", "10mb", "maxmemory-policy", "allkeys-lru")
    + resp("INFO", "memory")
    + resp("COMMAND", "INFO", "get", "frame.apply")
    + resp("ACL", "SETUSER", "alice", "on", ">pw", "~a*", "+@read")
    + resp("AUTH", "alice", "pw")
    + resp("GET", "b")
    + resp("ACL", "WHOAMI"),
    "pubsub": resp("SUBSCRIBE", "ch") + resp("PUBLISH", "ch", "m") + resp("UNSUBSCRIBE"),
    "script_load": resp("SCRIPT", "LOAD", "return redis.call('GET', KEYS[1])"),
    "session": resp("SESSION.CREATE", "ID", "s1", "TTL", "100", "META", "k", "v")
    + resp("FRAME.LOAD", "s1", "t", "FORMAT", "csv", "DATA", titanic_head(20))
    + b"".join(resp("FRAME.APPLY", "s1", "t", op) for op in OPS[:6])
    + resp("FRAME.UNDO", "s1", "t", "2")
    + resp("FRAME.REDO", "s1", "t")
    + resp("FRAME.HISTORY", "s1", "t")
    + resp("FRAME.SUMMARY", "s1", "t")
    + resp("FRAME.ROWS", "s1", "t", "OFFSET", "2", "LIMIT", "3", "FORMAT", "csv")
    + resp("FRAME.EXPORT", "s1", "t", "FORMAT", "json")
    + resp("FRAME.COPY", "s1", "t", "s1", "u")
    + resp("FRAME.SCHEMA", "s1", "u")
    + resp("SESSION.INFO", "s1")
    + resp("SESSION.LIST"),
    "frame_formats": resp("SESSION.CREATE", "ID", "s")
    + resp("FRAME.LOAD", "s", "j", "FORMAT", "json", "DATA", '[{"a":1,"b":"x"},{"a":null,"b":"y"}]')
    + resp("FRAME.LOAD", "s", "n", "FORMAT", "ndjson", "DATA", '{"a":1}\n{"a":2.5}\n')
    + resp("FRAME.LOAD", "s", "t", "FORMAT", "tsv", "DATA", "a\tb\n1\tx\n")
    + resp("FRAME.LOAD", "s", "c", "FORMAT", "csv", "OPTIONS", '{"separator":";"}', "DATA", "a;b\n1;2\n")
    + resp("FRAME.ROWS", "s", "j", "FORMAT", "ipc"),
}


def write(target, name, data):
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def call(sock, *args):
    sock.sendall(resp(*args))
    time.sleep(0.05)
    return sock.recv(1 << 20)


def real_aof(server):
    """Runs a session through a real server and returns {name: bytes} of
    the AOF directory's files."""
    scratch = tempfile.mkdtemp(prefix="framekv-seeds-")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [server, "--port", str(port), "--dir", scratch, "--appendonly", "yes",
         "--appendfsync", "always"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                sock = socket.create_connection(("127.0.0.1", port))
                break
            except OSError:
                time.sleep(0.1)
        call(sock, "SET", "plain", "value", "PX", "100000")
        call(sock, "HSET", "h", "f", "1")
        call(sock, "SESSION.CREATE", "ID", "s1", "TTL", "600")
        call(sock, "FRAME.LOAD", "s1", "people", "FORMAT", "csv", "DATA", titanic_head(30))
        # Each op on its own table, so that none depends on another's result.
        for i, op in enumerate(OPS):
            call(sock, "FRAME.LOAD", "s1", "t%d" % i, "FORMAT", "csv", "DATA", titanic_head(30))
            call(sock, "FRAME.APPLY", "s1", "t%d" % i, op)
        call(sock, "FRAME.APPLY", "s1", "t0", OPS[1])
        call(sock, "FRAME.APPLY", "s1", "t0", OPS[2])
        call(sock, "FRAME.UNDO", "s1", "t0", "2")
        call(sock, "BGREWRITEAOF")
        time.sleep(1.0)
        call(sock, "FRAME.APPLY", "s1", "t1", OPS[15])
        call(sock, "MULTI")
        call(sock, "INCR", "n")
        call(sock, "EXEC")
        sock.close()
        time.sleep(0.3)
    finally:
        proc.terminate()
        proc.wait()
    aof_dir = os.path.join(scratch, "appendonlydir")
    files = {}
    for name in sorted(os.listdir(aof_dir)):
        with open(os.path.join(aof_dir, name), "rb") as f:
            files[name] = f.read()
    shutil.rmtree(scratch)
    return files


def payloads(aof):
    """The RESP payloads of an AOF file's records, headers stripped."""
    out, at = b"", 0
    while at + 12 <= len(aof):
        (length,) = struct.unpack_from("<Q", aof, at)
        out += aof[at + 12 : at + 12 + length]
        at += 12 + length
    return out


def main():
    server = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "../target/debug/framekv-server")
    shutil.rmtree(SEEDS, ignore_errors=True)
    for name, data in REQUESTS.items():
        write("request", name, data)
    for i, op in enumerate(OPS):
        write("ops", "op%02d" % i, op.encode())
    write("config", "example", open(os.path.join(HERE, "../redis.conf.example"), "rb").read())
    write("config", "users", b'user alice on >secret ~app:* &chan* +@read -@dangerous\n'
          b'user bob off nopass resetkeys %R~r:* %W~w:* +get\nrequirepass "p w\\"d"\n'
          b"client-output-buffer-limit normal 0 0 0 pubsub 32mb 8mb 60\n"
          b"bind 127.0.0.1 ::1\nsave \"\"\nmaxmemory 1gb\n")
    for name, data in real_aof(server).items():
        if name.endswith(".manifest"):
            write("aof", "manifest", b"\x00" + data)
        else:
            write("aof", "raw-" + name, b"\x01" + data)
            write("aof", "replay-" + name, b"\x03" + payloads(data))


if __name__ == "__main__":
    main()
