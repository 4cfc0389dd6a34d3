#!/usr/bin/env bash
# Runs redis-benchmark against framekv-server and redis-server side by side,
# with the same settings, and prints each test's requests per second and the
# ratio framekv / redis. Both servers run on loopback, without persistence,
# and are stopped at the end.
#
# usage: benches/redis_benchmark.sh [-n REQUESTS] [-P PIPELINE] [-c CLIENTS] [-t TESTS]
# needs: redis-server and redis-benchmark (apt-get install -y redis-server redis-tools)
set -euo pipefail
cd "$(dirname "$0")/.."

requests=200000 pipeline=1 clients=50 tests=ping_inline,ping_mbulk,set,get,incr,mset
while getopts "n:P:c:t:" opt; do
    case $opt in
        n) requests=$OPTARG ;;
        P) pipeline=$OPTARG ;;
        c) clients=$OPTARG ;;
        t) tests=$OPTARG ;;
        *) exit 2 ;;
    esac
done

cargo build --bin framekv-server >&2
target_dir=${CARGO_TARGET_DIR:-target}
work=$(mktemp -d)
framekv_port=16379 redis_port=16380
"$target_dir/debug/framekv-server" --port $framekv_port --appendonly no --dir "$work" >"$work/framekv.log" 2>&1 &
framekv_pid=$!
redis-server --port $redis_port --save '' --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
redis_pid=$!
trap 'kill $framekv_pid $redis_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
for port in $framekv_port $redis_port; do
    for _ in $(seq 100); do redis-cli -p $port ping >/dev/null 2>&1 && break; sleep 0.1; done
done

bench() {
    redis-benchmark -p "$1" -n "$requests" -P "$pipeline" -c "$clients" -t "$tests" --csv 2>/dev/null |
        awk -F'"' 'NR > 1 { print $2 "\t" $4 }'
}

echo "redis-benchmark -n $requests -P $pipeline -c $clients (requests per second)"
join -t $'\t' <(bench $framekv_port | sort) <(bench $redis_port | sort) |
    awk -F'\t' 'BEGIN { printf "%-22s %12s %12s %8s\n", "test", "framekv", "redis", "ratio" }
                { printf "%-22s %12.0f %12.0f %8.2f\n", $1, $2, $3, $2 / $3 }'
