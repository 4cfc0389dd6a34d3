#!/usr/bin/env bash
# Memory of framekv-server vs redis-server 7 holding the same keys.
#
# Both servers run on loopback without persistence (framekv `--appendonly
# no`, redis `--save '' --appendonly no`), each in its own temporary
# directory. Measured on each: `used_memory` from INFO memory (what the
# server's allocator holds for it) and the process's resident set (VmRSS in
# /proc/<pid>/status), three times:
#   empty      just started;
#   strings    after KEYS `SET key:N <value>`, each value 100 digits (N
#              zero-padded, so that no two values are the same);
#   hashes     on a fresh pair of servers, after KEYS
#              `HSET hash:N f1 v1 f2 v2 f3 v3` (three small fields).
# The commands are generated with awk as RESP and fed with `redis-cli
# --pipe`, the same bytes to both servers; DBSIZE must equal KEYS before a
# measurement. Printed: both servers' figures in MiB, the ratio framekv /
# redis (below 1: framekv uses less), and the bytes per key above the empty
# server's used_memory. Servers and directories are removed on exit.
#
# framekv is built and run in the dev profile (never --release, which would
# rebuild Polars).
#
# usage: benches/memory_compare.sh [-n KEYS]      (default 1000000)
#        (FRAMEKV_SERVER=PATH runs that binary instead of building one)
# needs: redis-server 7 and redis-cli (apt-get install -y redis-server redis-tools)
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
export LC_ALL=C

keys=1000000
while getopts "n:" opt; do
    case $opt in
        n) keys=$OPTARG ;;
        *) exit 2 ;;
    esac
done
# shellcheck source=benches/lib.sh
source benches/lib.sh
require_tools redis-server redis-cli

framekv_binary
framekv_port=7331 redis_port=7332
scratch_dir memory-compare

# start: a fresh pair of servers, each in a new directory.
start() {
    port_free $framekv_port
    port_free $redis_port
    rm -rf "$work/framekv" "$work/redis"
    mkdir -p "$work/framekv" "$work/redis"
    "$framekv_bin" --port $framekv_port --dir "$work/framekv" --appendonly no >"$work/framekv.log" 2>&1 &
    framekv_pid=$!
    redis-server --port $redis_port --dir "$work/redis" --save '' --appendonly no >"$work/redis.log" 2>&1 &
    redis_pid=$!
    wait_up $framekv_port "$framekv_pid" framekv
    wait_up $redis_port "$redis_pid" redis
}

stop_both() {
    stop $framekv_port "$framekv_pid" nosave
    stop $redis_port "$redis_pid" nosave
    framekv_pid='' redis_pid=''
}

# generate KIND: KEYS commands of that kind (strings or hashes) as RESP, the
# form redis-cli --pipe sends unchanged. Written once to a file and replayed
# to both servers.
generate() {
    awk -v n="$keys" -v kind="$1" 'BEGIN {
        for (i = 0; i < n; i++) {
            if (kind == "strings") {
                k = "key:" i; v = sprintf("%0100d", i)
                printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$100\r\n%s\r\n", length(k), k, v
            } else {
                k = "hash:" i
                printf "*8\r\n$4\r\nHSET\r\n$%d\r\n%s\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$2\r\nv2\r\n$2\r\nf3\r\n$2\r\nv3\r\n", length(k), k
            }
        }
    }'
}

# load PORT NAME FILE: pipe FILE into the server; fail on any error reply or
# if DBSIZE is not KEYS afterwards.
load() {
    local out size
    out=$(redis-cli -p "$1" --pipe <"$3" 2>&1) || { echo "$2: redis-cli --pipe failed: $out" >&2; exit 1; }
    size=$(redis-cli -p "$1" dbsize)
    [[ $size == "$keys" ]] || { echo "$2: DBSIZE is $size, expected $keys; redis-cli said: $out" >&2; exit 1; }
}

# measure PORT PID: "used_memory<TAB>VmRSS", both in bytes.
measure() {
    local used rss
    used=$(redis-cli -p "$1" info memory | tr -d '\r' | awk -F: '$1 == "used_memory" { print $2 }')
    rss=$(awk '$1 == "VmRSS:" { print $2 * 1024 }' "/proc/$2/status")
    printf '%s\t%s\n' "${used:-0}" "${rss:-0}"
}

# row STATE: one line of results.tsv for both servers: state, framekv
# used_memory and RSS, redis used_memory and RSS.
row() {
    printf '%s\t%s\t%s\n' "$1" "$(measure $framekv_port "$framekv_pid")" "$(measure $redis_port "$redis_pid")"
}

results=$work/results.tsv
: >"$results"
for kind in strings hashes; do
    generate $kind >"$work/$kind.resp"
    start
    row "empty before $kind" >>"$results"
    echo "loading $keys $kind into framekv, then redis" >&2
    load $framekv_port framekv "$work/$kind.resp"
    load $redis_port redis "$work/$kind.resp"
    row "$keys $kind" >>"$results"
    stop_both
    rm -f "$work/$kind.resp"
done

# The first empty row is printed as "empty"; each loaded row also gives the
# bytes per key above the empty row measured on the same servers.
echo "framekv-server vs redis-server 7, no persistence, $keys keys (ratio framekv / redis; below 1: framekv uses less)"
awk -F'\t' -v keys="$keys" '
    function mib(b) { return b / 1048576 }
    function ratio(a, b) { return b > 0 ? a / b : 0 }
    BEGIN {
        printf "%-16s %12s %12s %6s %12s %12s %6s\n", "", "used_memory", "", "", "RSS", "", ""
        printf "%-16s %12s %12s %6s %12s %12s %6s\n", "state", "framekv MiB", "redis MiB", "ratio", "framekv MiB", "redis MiB", "ratio"
    }
    /^empty/ {
        fu0 = $2; fr0 = $3; ru0 = $4; rr0 = $5
        if (printed_empty++) next
        $1 = "empty"
    }
    {
        printf "%-16s %12.1f %12.1f %6.2f %12.1f %12.1f %6.2f\n", $1, mib($2), mib($4), ratio($2, $4), mib($3), mib($5), ratio($3, $5)
        if ($1 != "empty") {
            per[++n] = sprintf("%-16s %12.0f %12.0f %6.2f %12.0f %12.0f %6.2f", $1, ($2 - fu0) / keys, ($4 - ru0) / keys,
                ratio($2 - fu0, $4 - ru0), ($3 - fr0) / keys, ($5 - rr0) / keys, ratio($3 - fr0, $5 - rr0))
        }
    }
    END {
        printf "\nbytes per key, above the empty servers\n"
        printf "%-16s %12s %12s %6s %12s %12s %6s\n", "", "used_memory", "", "", "RSS", "", ""
        printf "%-16s %12s %12s %6s %12s %12s %6s\n", "keys", "framekv B", "redis B", "ratio", "framekv B", "redis B", "ratio"
        for (i = 1; i <= n; i++) print per[i]
    }' "$results"
