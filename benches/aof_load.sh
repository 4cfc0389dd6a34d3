#!/usr/bin/env bash
# Start-up load time of an append-only file: framekv-server vs redis-server 7.
#
# Two data sets, each written by both servers with `appendonly yes`,
# `appendfsync everysec` and automatic rewrites off, in their own temporary
# directories:
#   keys   1,000,000 distinct `SET key:N <16-byte value>`, fed with
#          `redis-cli --pipe`;
#   frame  framekv: one session (`SESSION.CREATE ID s TTL 0`) holding the
#          ~100 MB table built by ../shared/data/make-large.sh, loaded with
#          FRAME.LOAD and edited by 19 column-local FRAME.APPLY ops (20
#          versions); redis: what users do today, the CSV's bytes stored 20
#          times as strings `frame:v0` .. `frame:v19`.
# Each server is then stopped with SHUTDOWN and restarted on the same
# directory, and the time from process start until PING answers PONG (not
# LOADING) is measured, polling every 10 ms with redis-cli (whose own start
# makes the resolution about 25 ms): first from the log as written (base +
# incremental records), then again after BGREWRITEAOF has compacted it.
# redis-server runs with
# `--aof-use-rdb-preamble no`, so it loads an AOF and not an RDB snapshot
# (framekv too when it knows the directive). DBSIZE after each load (and the
# number of history versions / the last string's length) shows everything
# came back. Prints a table of the times with the ratio framekv / redis
# (below 1: framekv loads faster) and the AOF sizes on disk.
#
# framekv is built and run in the dev profile (never --release). Servers and
# temporary files (under /tmp, about 5 GB at the peak for the frame set) are
# removed on exit.
#
# usage: benches/aof_load.sh [-d keys|frame|all] [-s both|framekv|redis] [-k KEYS] [-x COPIES] [-r RESTARTS]
#        (FRAMEKV_SERVER=PATH runs that binary instead of building one;
#         -r N restarts each server N times per state and reports the fastest)
# needs: redis-server 7 and redis-cli (apt-get install -y redis-server redis-tools), python3
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
export LC_ALL=C
repo=$PWD

datasets=all servers=both keys=1000000 copies=17 restarts=1
while getopts "d:s:k:x:r:" opt; do
    case $opt in
        d) datasets=$OPTARG ;;
        s) servers=$OPTARG ;;
        k) keys=$OPTARG ;;
        x) copies=$OPTARG ;;
        r) restarts=$OPTARG ;;
        *) exit 2 ;;
    esac
done
[[ $datasets == all ]] && datasets="keys frame"
[[ $servers == both ]] && servers="framekv redis"
for tool in redis-server redis-cli python3; do
    command -v $tool >/dev/null || { echo "missing $tool: apt-get install -y redis-server redis-tools" >&2; exit 1; }
done

if [[ $servers == *framekv* ]]; then
    if [[ -n ${FRAMEKV_SERVER:-} ]]; then
        framekv_bin=$FRAMEKV_SERVER
    else
        cargo build --bin framekv-server >&2
        framekv_bin=${CARGO_TARGET_DIR:-target}/debug/framekv-server
    fi
fi
framekv_extra=()
grep -q '^aof-use-rdb-preamble ' redis.conf.example && framekv_extra=(--aof-use-rdb-preamble no)

declare -A port=([framekv]=7321 [redis]=7322)
work=$(mktemp -d /tmp/framekv-aof-load.XXXXXX)
pid=''
cleanup() {
    [[ -n $pid ]] && { kill "$pid" 2>/dev/null || true; }
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_us() { local t=${EPOCHREALTIME/./}; echo $((10#$t)); }
log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# start NAME DIR: runs the server on DIR in the background (pid, started_us).
start() {
    local p=${port[$1]}
    started_us=$(now_us)
    if [[ $1 == framekv ]]; then
        "$framekv_bin" --port "$p" --dir "$2" --appendonly yes --appendfsync everysec \
            --auto-aof-rewrite-percentage 0 "${framekv_extra[@]}" >>"$work/$1.log" 2>&1 &
    else
        redis-server --port "$p" --dir "$2" --save '' --appendonly yes --appendfsync everysec \
            --aof-use-rdb-preamble no --auto-aof-rewrite-percentage 0 >>"$work/$1.log" 2>&1 &
    fi
    pid=$!
}

# wait_pong NAME: polls PING every 10 ms until PONG; sets load_ms (the
# milliseconds since start) and loading_seen (polls answered LOADING).
wait_pong() {
    local p=${port[$1]} reply deadline=$((started_us + 900000000))
    loading_seen=0
    while :; do
        reply=$(redis-cli -p "$p" ping 2>/dev/null || true)
        if [[ $reply == PONG ]]; then
            load_ms=$(( ($(now_us) - started_us) / 1000 ))
            return
        fi
        [[ $reply == LOADING* ]] && loading_seen=$((loading_seen + 1))
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "$1 exited during start; the end of its log:" >&2
            tail -20 "$work/$1.log" >&2
            exit 1
        fi
        (($(now_us) < deadline)) || { echo "$1 did not answer PONG in 900 s" >&2; exit 1; }
        sleep 0.01
    done
}

# stop NAME: SHUTDOWN (which flushes and fsyncs the AOF), then waits for exit.
stop() {
    redis-cli -p "${port[$1]}" shutdown >/dev/null 2>&1 || true
    local i
    for i in $(seq 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        echo "$1 still running 60 s after SHUTDOWN; sending SIGTERM" >&2
        kill "$pid"
    fi
    wait "$pid" 2>/dev/null || true
    pid=''
}

# cli NAME ARGS...: one redis-cli command (stdin passes through for -x);
# stops the script on an error reply.
cli() {
    local name=$1 out
    shift
    out=$(redis-cli -p "${port[$name]}" "$@")
    if [[ $out =~ ^(ERR|WRONGTYPE|NOPERM|NOAUTH|LOADING|BUSY|OOM|MISCONF|READONLY)( |$) ]]; then
        echo "$name: $* -> $out" >&2
        exit 1
    fi
    printf '%s\n' "$out"
}

# info NAME FIELD: a field of INFO persistence ("" when absent).
info() {
    redis-cli -p "${port[$1]}" info persistence | tr -d '\r' | awk -F: -v f="$2" '$1 == f { print $2 }'
}

# rewrite NAME: BGREWRITEAOF and wait until it is done; prints its seconds.
rewrite() {
    local t0 reply
    t0=$(now_us)
    reply=$(cli "$1" bgrewriteaof)
    log "$1: BGREWRITEAOF -> $reply"
    sleep 0.05
    while [[ $(info "$1" aof_rewrite_in_progress) != 0 || $(info "$1" aof_rewrite_scheduled) == 1 ]]; do
        kill -0 "$pid" 2>/dev/null || { echo "$1 exited during the rewrite" >&2; exit 1; }
        sleep 0.05
    done
    local status
    status=$(info "$1" aof_last_bgrewrite_status)
    [[ $status == ok ]] || { echo "$1: aof_last_bgrewrite_status:$status" >&2; exit 1; }
    awk -v us=$(($(now_us) - t0)) 'BEGIN { printf "%.1f", us / 1e6 }'
}

# check NAME DATASET: what came back (DBSIZE and a dataset-specific figure).
check() {
    local dbsize extra=''
    dbsize=$(cli "$1" dbsize)
    if [[ $2 == frame && $1 == framekv ]]; then
        extra=" versions=$(redis-cli -p "${port[$1]}" frame.history s t | grep -c '^current$' || true)"
    elif [[ $2 == frame ]]; then
        extra=" strlen(v19)=$(cli "$1" strlen frame:v19)"
    fi
    echo "dbsize=$dbsize$extra"
}

# populate NAME DATASET: writes the data set into a fresh server.
populate() {
    local i out
    case $2 in
        keys)
            out=$(redis-cli -p "${port[$1]}" --pipe <"$work/keys.resp" 2>&1)
            [[ $out == *"errors: 0, replies: $keys"* ]] || { echo "$1: --pipe: $out" >&2; exit 1; }
            ;;
        frame)
            if [[ $1 == framekv ]]; then
                cli "$1" session.create id s ttl 0 >/dev/null
                cli "$1" -x frame.load s t format csv data <"$work/large.csv" >/dev/null
                for i in "${!ops[@]}"; do cli "$1" frame.apply s t "${ops[$i]}" >/dev/null; done
            else
                for i in $(seq 0 $((${#ops[@]}))); do
                    cli "$1" -x set "frame:v$i" <"$work/large.csv" >/dev/null
                done
            fi
            ;;
    esac
}

# Column-local edits of the large table (columns: row_id, rownames, idNum,
# date, problem, MDC, citationIssued, personSearch, vehicleSearch, preRace,
# race, gender, lat, long, policePrecinct, neighborhood): 19 ops, so the
# table holds versions 0..19.
ops=(
    '{"action":"fill_missing","params":{"columns":["citationIssued"],"method":"value","value":"NO"}}'
    '{"action":"rename_column","params":{"from":"problem","to":"problem_kind"}}'
    '{"action":"rename_column","params":{"from":"problem_kind","to":"problem"}}'
    '{"action":"change_type","params":{"column":"date","dtype":"datetime"}}'
    '{"action":"fill_missing","params":{"columns":["personSearch"],"method":"value","value":"NO"}}'
    '{"action":"fill_missing","params":{"columns":["vehicleSearch"],"method":"value","value":"NO"}}'
    '{"action":"string_transform","params":{"columns":["neighborhood"],"transform":"lower"}}'
    '{"action":"string_transform","params":{"columns":["race"],"transform":"upper"}}'
    '{"action":"replace_values","params":{"column":"MDC","mapping":{"other":"OTHER"}}}'
    '{"action":"change_type","params":{"column":"policePrecinct","dtype":"int32"}}'
    '{"action":"fill_missing","params":{"columns":["gender"],"method":"value","value":"Unknown"}}'
    '{"action":"change_type","params":{"column":"problem","dtype":"category"}}'
    '{"action":"rename_column","params":{"from":"neighborhood","to":"hood"}}'
    '{"action":"rename_column","params":{"from":"hood","to":"neighborhood"}}'
    '{"action":"string_transform","params":{"columns":["preRace"],"transform":"lower"}}'
    '{"action":"change_type","params":{"column":"lat","dtype":"float32"}}'
    '{"action":"replace_values","params":{"column":"gender","mapping":{"Unknown":"U"}}}'
    '{"action":"add_column","params":{"name":"precinct_x10","expr":"policePrecinct * 10"}}'
    '{"action":"drop_columns","params":{"columns":["precinct_x10"]}}'
)

# measure NAME DATASET STATE: restarts on the data set's directory; one row.
measure() {
    local r ms best='' checked loadings
    for r in $(seq "$restarts"); do
        start "$1" "$work/$1-$2"
        wait_pong "$1"
        ms=$load_ms loadings=$loading_seen
        checked=$(check "$1" "$2")
        stop "$1"
        log "$1 $2 $3: PONG after $ms ms ($loadings LOADING replies), $checked"
        [[ -z $best || $ms -lt $best ]] && best=$ms
    done
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$2" "$3" "$1" "$best" \
        "$(du -sk "$work/$1-$2" | cut -f1)" "$checked" >>"$work/results.tsv"
}

: >"$work/results.tsv"
for dataset in $datasets; do
    case $dataset in
        keys)
            log "generating $keys SET commands"
            awk -v n="$keys" 'BEGIN {
                for (i = 0; i < n; i++) {
                    k = "key:" i; v = sprintf("%016d", i)
                    printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$16\r\n%s\r\n", length(k), k, v
                }
            }' >"$work/keys.resp"
            ;;
        frame)
            log "building the large CSV"
            sh "$repo/../shared/data/make-large.sh" "$work/large.csv" "$copies" >&2
            ;;
        *) echo "unknown data set $dataset" >&2; exit 2 ;;
    esac
    for name in $servers; do
        mkdir -p "$work/$name-$dataset"
        log "$name: writing the $dataset data set"
        start "$name" "$work/$name-$dataset"
        wait_pong "$name"
        enabled=$(info "$name" aof_enabled)
        [[ $enabled == 1 ]] || log "warning: $name reports aof_enabled:${enabled:-?}"
        t0=$(now_us)
        populate "$name" "$dataset"
        written=$(check "$name" "$dataset")
        log "$name: written in $(( ($(now_us) - t0) / 1000 )) ms, $written"
        stop "$name"
        measure "$name" "$dataset" raw

        start "$name" "$work/$name-$dataset"
        wait_pong "$name"
        secs=$(rewrite "$name")
        log "$name: rewrite took $secs s"
        stop "$name"
        measure "$name" "$dataset" rewritten
        rm -rf "${work:?}/$name-$dataset"
    done
    rm -f "$work/keys.resp" "$work/large.csv"
done

echo "AOF load time, process start to first PONG (ms; ratio framekv / redis, below 1 = framekv faster)"
awk -F'\t' '
    { t[$1 "\t" $2 "\t" $3] = $4; kb[$1 "\t" $2 "\t" $3] = $5; c[$1 "\t" $2 "\t" $3] = $6
      k = $1 "\t" $2; if (!(k in seen)) { seen[k] = 1; order[++n] = k } }
    END {
        printf "%-6s %-10s %10s %10s %7s %12s %12s  %s\n", "data", "aof", "framekv", "redis", "ratio",
            "framekv KiB", "redis KiB", "after load (framekv | redis)"
        for (i = 1; i <= n; i++) {
            k = order[i]; split(k, p, "\t")
            f = t[k "\tframekv"]; r = t[k "\tredis"]
            ratio = (f != "" && r > 0) ? sprintf("%.2f", f / r) : "-"
            printf "%-6s %-10s %10s %10s %7s %12s %12s  %s | %s\n", p[1], p[2],
                (f == "" ? "-" : f), (r == "" ? "-" : r), ratio,
                (kb[k "\tframekv"] == "" ? "-" : kb[k "\tframekv"]),
                (kb[k "\tredis"] == "" ? "-" : kb[k "\tredis"]),
                (c[k "\tframekv"] == "" ? "-" : c[k "\tframekv"]),
                (c[k "\tredis"] == "" ? "-" : c[k "\tredis"])
        }
    }' "$work/results.tsv"
