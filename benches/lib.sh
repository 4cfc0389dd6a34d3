# shellcheck shell=bash disable=SC2034
# Shared by the benchmark scripts that run framekv-server and redis-server
# side by side (aof_benchmark.sh, redis_compare.sh, memory_compare.sh):
# `source "$(dirname "$0")/lib.sh"` after `cd` to the repository root.
#
# Sets and uses: framekv_bin (the server binary), work (a scratch directory
# removed on exit), framekv_pid and redis_pid (killed on exit when set).

# require_tools TOOL...: exit with the install hint when one is missing.
require_tools() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y redis-server redis-tools" >&2; exit 1; }
    done
}

# framekv_binary: framekv_bin is $FRAMEKV_SERVER, or the dev-profile build
# (cargo build; never --release, which would rebuild Polars).
framekv_binary() {
    if [[ -n ${FRAMEKV_SERVER:-} ]]; then
        framekv_bin=$FRAMEKV_SERVER
    else
        cargo build --bin framekv-server >&2
        framekv_bin=${CARGO_TARGET_DIR:-target}/debug/framekv-server
    fi
}

# scratch_dir NAME: work is a new temporary directory; on exit (or Ctrl-C)
# the servers are killed and it is removed.
scratch_dir() {
    work=$(mktemp -d "${TMPDIR:-/tmp}/framekv-$1.XXXXXX")
    framekv_pid='' redis_pid=''
    trap cleanup EXIT
    trap 'exit 130' INT TERM
}

cleanup() {
    local pid
    for pid in $framekv_pid $redis_pid; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}

# port_free PORT: fail if something already answers there (another run of
# a benchmark, say), which wait_up would otherwise take for our server.
port_free() {
    if redis-cli -p "$1" ping >/dev/null 2>&1; then
        echo "port $1 is already in use; is another benchmark running?" >&2
        exit 1
    fi
}

# wait_up PORT PID NAME: until the server answers PING with PONG; on exit
# or after 30 s, fail showing $work/NAME.log.
wait_up() {
    local _
    for _ in $(seq 600); do
        [[ $(redis-cli -p "$1" ping 2>/dev/null) == PONG ]] && return 0
        kill -0 "$2" 2>/dev/null || { echo "$3 exited at start; its log:" >&2; cat "$work/$3.log" >&2; exit 1; }
        sleep 0.05
    done
    echo "$3 did not answer PING within 30 s" >&2
    exit 1
}

# stop PORT PID [SHUTDOWN-ARGS...]: SHUTDOWN (which flushes and fsyncs the
# AOF unless given nosave), SIGTERM if the process is still there after 10 s.
stop() {
    local port=$1 pid=$2 _
    shift 2
    redis-cli -p "$port" shutdown "$@" >/dev/null 2>&1 || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
