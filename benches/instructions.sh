#!/usr/bin/env bash
# User-space instructions a request, under valgrind's callgrind: a measure
# of the server's own work that machine noise does not move, for
# comparing builds (and framekv with redis-server) where one round of
# redis-benchmark on two cores varies by 10% or more.
#
# For each test: a 20,000-request warm-up, callgrind's counters zeroed,
# then redis-benchmark -c 50 -P P -n N -t TEST, and the instructions
# counted divided by N. Connection set-up is inside the count (50
# connections a test), as it is in redis-benchmark's own rates.
#
# usage: benches/instructions.sh [-b BINARY] [-t TESTS] [-P P] [-n N]
#   -b  server binary (default: target/debug/framekv-server, built if
#       missing; `redis-server` measures Redis the same way)
#   -t  comma-separated redis-benchmark tests (default:
#       PING_MBULK,GET,SET,INCR,LPUSH,HSET,SADD,ZADD)
#   -P  pipeline depth (default 16), -n  requests a test (default 100000)
# needs: valgrind, redis-benchmark and redis-cli
set -euo pipefail
cd "$(dirname "$0")/.."

binary='' tests=PING_MBULK,GET,SET,INCR,LPUSH,HSET,SADD,ZADD pipeline=16 requests=100000
while getopts "b:t:P:n:" opt; do
    case $opt in
        b) binary=$OPTARG ;;
        t) tests=$OPTARG ;;
        P) pipeline=$OPTARG ;;
        n) requests=$OPTARG ;;
        *) exit 2 ;;
    esac
done
if [[ -z $binary ]]; then
    cargo build --bin framekv-server >&2
    binary=target/debug/framekv-server
fi
port=$((20000 + RANDOM % 20000))
out=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$out"' EXIT

valgrind --tool=callgrind --callgrind-out-file="$out/cg.%p" \
    "$binary" --port "$port" --save "" --appendonly no >/dev/null 2>"$out/valgrind.log" &
server=$!
for _ in $(seq 120); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.5
done

printf '%-12s %12s\n' test instructions
for test in ${tests//,/ }; do
    redis-benchmark -p "$port" -c 50 -P "$pipeline" -n 20000 -q -t "$test" >/dev/null 2>&1
    callgrind_control -z "$server" >/dev/null 2>&1
    redis-benchmark -p "$port" -c 50 -P "$pipeline" -n "$requests" -q -t "$test" >/dev/null 2>&1
    callgrind_control -d "$server" >/dev/null 2>&1
    dump=$(ls -t "$out"/cg.* | head -1)
    total=$(awk '/^(summary|totals):/ { print $2; exit }' "$dump")
    printf '%-12s %12d\n' "$test" $((total / requests))
    rm -f "$out"/cg.*
done
