#!/usr/bin/env bash
# redis-benchmark's whole default suite against framekv-server and
# redis-server 7, with the same settings, in one command.
#
# Two configurations, each with its own pair of servers in their own
# temporary directories on loopback:
#   none  no persistence (framekv `--appendonly no`, redis `--save ''
#         --appendonly no`);
#   aof   `appendonly yes`, `appendfsync everysec`, automatic AOF rewrites off
#         on both (`auto-aof-rewrite-percentage 0`), so that no rewrite lands
#         in the middle of a measurement.
# For each configuration, round, pipeline depth (-P) and value size (-d),
# redis-benchmark runs its default tests (no -t) with `-c 50 --csv`, first
# against framekv then against redis (A B A B ...), starting each run from
# an empty keyspace (FLUSHALL). Printed per configuration, pipeline and size:
# each test's requests per second, p50 and p99 latency of both servers (means
# over the rounds) and the ratios framekv / redis of the rates (above 1:
# framekv is faster) and of the p99s (above 1: framekv is slower); then a
# summary with the minimum and geometric mean of the rate ratios and the
# tests below 1.0. redis-benchmark 7.0 stops a run at the first error reply
# (its -e option has no effect), so a test that fails against framekv shows
# as "no result from framekv" for it and the tests after it, with the error
# message in the list at the end. (7.0.15's default suite has no XADD test.)
#
# Requests per run (-n), unless given: redis-benchmark uses one count for all
# the tests of a run, and the LRANGE_* tests are bound by the bytes they
# move (600 values of 1 KiB per LRANGE_600 reply), so the 1024-byte runs get
# fewer requests:
#              -d below 256    -d 256 and above
#   -P 1          50000             10000
#   -P above 1   200000             20000
# With the defaults (2 rounds, -P "1 16", -d "3 1024", -m "none aof") the
# whole run takes roughly 10 to 15 minutes on a 2-core machine; the fast
# tests then last well under a second at -P 16, so their rates are noisier
# than the LRANGE ones: use -r 3 or a larger -n for them.
#
# framekv is built and run in the dev profile (dependencies optimised; never
# --release, which would rebuild Polars).
#
# usage: benches/redis_compare.sh [-n REQUESTS] [-r ROUNDS] [-c CLIENTS]
#                                 [-P "1 16"] [-d "3 1024"] [-m "none aof"]
#        (FRAMEKV_SERVER=PATH runs that binary instead of building one)
# needs: redis-server 7 and redis-benchmark (apt-get install -y redis-server redis-tools)
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
export LC_ALL=C

requests='' rounds=2 clients=50 pipelines="1 16" sizes="3 1024" modes="none aof"
while getopts "n:r:c:P:d:m:" opt; do
    case $opt in
        n) requests=$OPTARG ;;
        r) rounds=$OPTARG ;;
        c) clients=$OPTARG ;;
        P) pipelines=$OPTARG ;;
        d) sizes=$OPTARG ;;
        m) modes=$OPTARG ;;
        *) exit 2 ;;
    esac
done
for mode in $modes; do
    [[ $mode == none || $mode == aof ]] || { echo "unknown -m $mode (none or aof)" >&2; exit 2; }
done
# shellcheck source=benches/lib.sh
source benches/lib.sh
require_tools redis-server redis-benchmark redis-cli stdbuf

framekv_binary
framekv_port=7321 redis_port=7322
scratch_dir redis-compare

# start MODE: both servers with the settings of that configuration, each in
# a fresh directory.
start() {
    local persistence=(--appendonly no)
    [[ $1 == aof ]] && persistence=(--appendonly yes --appendfsync everysec --auto-aof-rewrite-percentage 0)
    port_free $framekv_port
    port_free $redis_port
    rm -rf "$work/framekv-$1" "$work/redis-$1"
    mkdir -p "$work/framekv-$1" "$work/redis-$1"
    "$framekv_bin" --port $framekv_port --dir "$work/framekv-$1" "${persistence[@]}" >"$work/framekv.log" 2>&1 &
    framekv_pid=$!
    redis-server --port $redis_port --dir "$work/redis-$1" --save '' "${persistence[@]}" >"$work/redis.log" 2>&1 &
    redis_pid=$!
    wait_up $framekv_port "$framekv_pid" framekv
    wait_up $redis_port "$redis_pid" redis
    local port enabled
    for port in $framekv_port $redis_port; do
        enabled=$(redis-cli -p "$port" info persistence 2>/dev/null | tr -d '\r' |
            awk -F: '$1 == "aof_enabled" { v = $2 } END { print (v == "" ? "?" : v) }')
        [[ $enabled == "$([[ $1 == aof ]] && echo 1 || echo 0)" ]] ||
            echo "warning: port $port reports aof_enabled:$enabled in configuration $1" >&2
    done
}

# requests_for PIPELINE SIZE: -n if given, else the default table above.
requests_for() {
    if [[ -n $requests ]]; then echo "$requests"; return; fi
    local n=50000
    (($1 > 1)) && n=200000
    (($2 >= 256)) && n=$((n / ($1 > 1 ? 10 : 5)))
    echo "$n"
}

# suite PORT PIPELINE SIZE REQUESTS: one run of the default suite, as lines
# "test<TAB>rps<TAB>p50<TAB>p99<TAB>error lines<TAB>first error line". Any
# line that is not CSV is an error or warning; stderr is merged into stdout
# and line buffering (stdbuf) keeps the order, so such a line belongs to the
# test whose CSV line follows it. What comes after the last CSV line (the run
# stopped: error reply, connection closed, timeout) is reported as the test
# "(suite aborted)". The run is cut off after 30 minutes.
suite() {
    { timeout 1800 stdbuf -oL redis-benchmark -p "$1" -c "$clients" -P "$2" -d "$3" -n "$4" --csv 2>&1 || echo "exit status $?"; } |
        tr -d '\r' | awk -F'"' '
            /^"test",/ { next }
            /^"/ {
                name = $2
                if (name ~ /^LRANGE_[0-9]+ \(/) sub(/ \(.*/, "", name)
                if (name ~ /^LPUSH \(needed/) name = "LPUSH (for LRANGE)"
                printf "%s\t%s\t%s\t%s\t%d\t%s\n", name, $4, $10, $14, errors, first
                errors = 0; first = ""
                next
            }
            NF { if (!errors++) first = $0 }
            END { if (errors) printf "(suite aborted)\t0\t0\t0\t%d\t%s\n", errors, first }'
}

results=$work/results.tsv
: >"$results"
for mode in $modes; do
    start "$mode"
    for round in $(seq "$rounds"); do
        for pipeline in $pipelines; do
            for size in $sizes; do
                n=$(requests_for "$pipeline" "$size")
                for server in framekv redis; do
                    port=$framekv_port pid=$framekv_pid
                    [[ $server == redis ]] && port=$redis_port pid=$redis_pid
                    # A server that died would leave redis-benchmark retrying
                    # until the timeout: stop here with its log instead.
                    kill -0 "$pid" 2>/dev/null ||
                        { echo "$server exited during the benchmark; its log:" >&2; tail -n 30 "$work/$server.log" >&2; exit 1; }
                    reply=$(redis-cli -p $port flushall 2>&1) || true
                    [[ $reply == OK ]] || echo "warning: FLUSHALL on $server answered: $reply" >&2
                    echo "$mode -P $pipeline -d $size -n $n round $round: $server" >&2
                    suite $port "$pipeline" "$size" "$n" |
                        awk -v pre="$(printf '%s\t' "$mode" "$pipeline" "$size" "$n" "$round" "$server")" \
                            '{ print pre $0 }' >>"$results"
                done
            done
        done
    done
    stop $framekv_port "$framekv_pid"
    stop $redis_port "$redis_pid"
    framekv_pid='' redis_pid=''
done

# results.tsv: mode, pipeline, size, requests, round, server, test, rps,
# p50, p99, error lines, first error line. One table per (mode, pipeline, size), tests in the
# order redis-benchmark ran them, means over the rounds.
awk -F'\t' -v rounds="$rounds" -v clients="$clients" '
    function ratio(a, b) { return b > 0 ? a / b : 0 }
    {
        group = $1 "\t" $2 "\t" $3 "\t" $4
        if (!(group in seen_group)) { seen_group[group] = 1; groups[++ngroups] = group }
        key = group SUBSEP $7
        if (!(key in seen_test)) { seen_test[key] = 1; tests[group, ++ntests[group]] = $7 }
        s = $6
        n[key, s]++; rps[key, s] += $8; p50[key, s] += $9; p99[key, s] += $10
        err[key, s] += $11
        if ($11 > 0 && !((key, s) in message)) message[key, s] = $12
    }
    END {
        for (g = 1; g <= ngroups; g++) {
            group = groups[g]; split(group, p, "\t")
            mode = p[1] == "aof" ? "appendonly yes, appendfsync everysec" : "no persistence"
            printf "\n%s, -P %s, -d %s, -c %s, -n %s, mean of %s rounds\n", mode, p[2], p[3], clients, p[4], rounds
            printf "%-20s %10s %10s %6s %7s %7s %7s %7s %6s\n", "test", "rps fkv", "rps redis", "ratio", "p50 fkv", "p50 rds", "p99 fkv", "p99 rds", "ratio"
            logsum = 0; count = 0; min = ""; below = ""
            for (t = 1; t <= ntests[group]; t++) {
                test = tests[group, t]; key = group SUBSEP test
                nf = n[key, "framekv"]; nr = n[key, "redis"]
                if (test == "(suite aborted)") {
                    for (s = 1; s <= 2; s++) {
                        server = s == 1 ? "framekv" : "redis"
                        if (!n[key, server]) continue
                        printf "%-20s %s stopped in %d of %d rounds: %s\n", "(run stopped)", server, n[key, server], rounds, message[key, server]
                        if (server == "framekv")
                            failed[++nfailed] = sprintf("%s -P %s -d %s: the run stopped: %s", p[1], p[2], p[3], message[key, server])
                    }
                    continue
                }
                if (nf == 0 || nr == 0) {
                    printf "%-20s %s\n", test, (nf == 0 ? "no result from framekv" : "no result from redis")
                    if (nf == 0) failed[++nfailed] = sprintf("%s -P %s -d %s: %s: no result", p[1], p[2], p[3], test)
                    continue
                }
                fr = rps[key, "framekv"] / nf; rr = rps[key, "redis"] / nr
                f99 = p99[key, "framekv"] / nf; r99 = p99[key, "redis"] / nr
                mark = ""
                if (err[key, "framekv"] > 0) {
                    mark = " !"
                    failed[++nfailed] = sprintf("%s -P %s -d %s: %s: %d error lines from framekv, first: %s",
                        p[1], p[2], p[3], test, err[key, "framekv"], message[key, "framekv"])
                }
                if (err[key, "redis"] > 0) mark = mark " (redis errors)"
                r = ratio(fr, rr)
                printf "%-20s %10.0f %10.0f %6.2f %7.3f %7.3f %7.3f %7.3f %6.2f%s\n", test, fr, rr, r,
                    p50[key, "framekv"] / nf, p50[key, "redis"] / nr, f99, r99, ratio(f99, r99), mark
                if (r > 0 && test != "(suite aborted)") {
                    logsum += log(r); count++
                    if (min == "" || r < min) { min = r; argmin = test }
                    if (r < 1) below = below (below == "" ? "" : ", ") test
                }
            }
            summary[g] = sprintf("%-5s %4s %5s %6s %6.2f %-20s %8.2f  %s", p[1], p[2], p[3], count,
                min, argmin, (count ? exp(logsum / count) : 0), (below == "" ? "-" : below))
        }
        printf "\nSummary, ratio framekv / redis of requests per second (above 1: framekv is faster)\n"
        printf "%-5s %4s %5s %6s %6s %-20s %8s  %s\n", "mode", "-P", "-d", "tests", "min", "(test)", "geomean", "tests below 1.0"
        for (g = 1; g <= ngroups; g++) print summary[g]
        if (nfailed) {
            printf "\nFailed against framekv (! or no result in the tables):\n"
            for (i = 1; i <= nfailed; i++) print "  " failed[i]
        }
    }' "$results"
