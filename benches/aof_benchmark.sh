#!/usr/bin/env bash
# SET throughput with the append-only file on: framekv-server vs redis-server.
#
# For each fsync policy (`appendfsync everysec`, then `appendfsync always`)
# both servers are started with `appendonly yes` and that policy, each in its
# own temporary directory, and `redis-benchmark -t set -n 100000 -c 50` is run
# against them without pipelining and with `-P 16`, alternating framekv,
# redis, framekv, redis (2 rounds by default). Prints, per policy, pipeline
# and round, both servers' requests per second and the ratio framekv / redis
# (above 1: framekv is faster), then the mean of the rounds and the size each
# server's AOF directory reached. Everything runs on loopback; the servers
# and their directories are removed on exit.
#
# framekv is built and run in the dev profile (dependencies optimised; never
# --release, which would rebuild Polars). Automatic AOF rewrites are off on
# both servers, so that no rewrite lands in the middle of a measurement.
#
# usage: benches/aof_benchmark.sh [-n REQUESTS] [-c CLIENTS] [-r ROUNDS] [-P "1 16"] [-f "everysec always"]
#        (FRAMEKV_SERVER=PATH runs that binary instead of building one)
# needs: redis-server 7 and redis-benchmark (apt-get install -y redis-server redis-tools)
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
export LC_ALL=C

requests=100000 clients=50 rounds=2 pipelines="1 16" policies="everysec always"
while getopts "n:c:r:P:f:" opt; do
    case $opt in
        n) requests=$OPTARG ;;
        c) clients=$OPTARG ;;
        r) rounds=$OPTARG ;;
        P) pipelines=$OPTARG ;;
        f) policies=$OPTARG ;;
        *) exit 2 ;;
    esac
done
# shellcheck source=benches/lib.sh
source benches/lib.sh
require_tools redis-server redis-benchmark redis-cli

framekv_binary
framekv_port=7311 redis_port=7312
scratch_dir aof-bench

# aof_enabled PORT: the aof_enabled field of INFO persistence ("?" if absent).
aof_enabled() {
    redis-cli -p "$1" info persistence 2>/dev/null | tr -d '\r' |
        awk -F: '$1 == "aof_enabled" { v = $2 } END { print (v == "" ? "?" : v) }'
}

# rps PORT PIPELINE: SET requests per second, from the CSV form of -q output.
rps() {
    redis-benchmark -p "$1" -t set -n "$requests" -c "$clients" -P "$2" -q --csv 2>/dev/null |
        awk -F'"' '$2 == "SET" { print $4 }'
}

results=$work/results.tsv
: >"$results"
for policy in $policies; do
    mkdir -p "$work/framekv-$policy" "$work/redis-$policy"
    "$framekv_bin" --port $framekv_port --dir "$work/framekv-$policy" --appendonly yes \
        --appendfsync "$policy" --auto-aof-rewrite-percentage 0 >"$work/framekv.log" 2>&1 &
    framekv_pid=$!
    redis-server --port $redis_port --dir "$work/redis-$policy" --save '' --appendonly yes \
        --appendfsync "$policy" --auto-aof-rewrite-percentage 0 >"$work/redis.log" 2>&1 &
    redis_pid=$!
    wait_up $framekv_port "$framekv_pid" framekv
    wait_up $redis_port "$redis_pid" redis
    for port in $framekv_port $redis_port; do
        enabled=$(aof_enabled $port)
        [[ $enabled == 1 ]] || echo "warning: port $port reports aof_enabled:$enabled" >&2
    done

    for round in $(seq "$rounds"); do
        for pipeline in $pipelines; do
            f=$(rps $framekv_port "$pipeline")
            r=$(rps $redis_port "$pipeline")
            printf '%s\t%s\t%s\t%s\t%s\n' "$policy" "$pipeline" "$round" "${f:-0}" "${r:-0}" >>"$results"
        done
    done

    stop $framekv_port "$framekv_pid"
    stop $redis_port "$redis_pid"
    framekv_pid='' redis_pid=''
    printf '%s\t%s\t%s\n' "$policy" "$(du -sk "$work/framekv-$policy" | cut -f1)" \
        "$(du -sk "$work/redis-$policy" | cut -f1)" >>"$work/sizes.tsv"
done

echo "redis-benchmark -t set -n $requests -c $clients, appendonly yes (requests per second; ratio framekv / redis)"
awk -F'\t' '
    BEGIN { printf "%-10s %4s %6s %12s %12s %8s\n", "appendfsync", "-P", "round", "framekv", "redis", "ratio" }
    {
        ratio = $5 > 0 ? $4 / $5 : 0
        printf "%-10s %4s %6s %12.0f %12.0f %8.2f\n", $1, $2, $3, $4, $5, ratio
        key = $1 "\t" $2
        if (!(key in n)) order[++keys] = key
        n[key]++; fsum[key] += $4; rsum[key] += $5
    }
    END {
        for (i = 1; i <= keys; i++) {
            k = order[i]; split(k, p, "\t")
            f = fsum[k] / n[k]; r = rsum[k] / n[k]
            printf "%-10s %4s %6s %12.0f %12.0f %8.2f\n", p[1], p[2], "mean", f, r, (r > 0 ? f / r : 0)
        }
    }' "$results"
awk -F'\t' '{ printf "AOF directory after appendfsync %s: framekv %d KiB, redis %d KiB\n", $1, $2, $3 }' "$work/sizes.tsv"
