#!/usr/bin/env bash
# Builds the fuzz targets and runs each for a while.
#
#   fuzz/run.sh [SECONDS] [TARGET ...]     (default: 600 s; request ops config aof)
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`); RUSTC_BOOTSTRAP=1 lets the
# stable toolchain take the nightly-only flags that libFuzzer's coverage
# instrumentation needs. Targets run one after another with AddressSanitizer
# and debug assertions (overflow checks on). Each starts from its
# committed inputs: the hand-made seeds in fuzz/seeds/<target>
# (fuzz/make_seeds.py writes them; tests/fuzz_seeds.rs replays them against
# the binary) and the minimised corpus of earlier runs in
# fuzz/corpus-min/<target> (`cargo fuzz cmin`; none for aof, whose corpus is
# 15 MB of whole AOFs), plus what runs on this machine found in
# fuzz/corpus/<target> (not committed). A crash is saved under
# fuzz/artifacts/<target>/ and makes this script exit non-zero.
#
# FUZZ_TARGET_DIR (default ~/.cache/framekv-fuzz-target) keeps the
# instrumented build, Polars included, out of the main target directory.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(request ops config aof)
export RUSTC_BOOTSTRAP=1
target_dir=${FUZZ_TARGET_DIR:-$HOME/.cache/framekv-fuzz-target}
cargo fuzz build --target-dir "$target_dir"
status=0
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target" "artifacts/$target"
    echo "== $target: ${seconds}s" >&2
    # -rss_limit_mb: a 1 MiB argument can legitimately become a few hundred
    # MiB of frame; -timeout: seconds for one input (a FRAME.LOAD or rewrite
    # replay of a large seed takes well under one).
    # Absolute paths: the targets change the working directory. The aof
    # seeds are whole AOFs (140 KB); mutating at most 64 KB of them keeps the
    # rate up while still reaching frame snapshots.
    max_len=()
    [ "$target" = aof ] && max_len=(-max_len=65536)
    inputs=("$PWD/corpus/$target" "$PWD/seeds/$target")
    [ -d "corpus-min/$target" ] && inputs+=("$PWD/corpus-min/$target")
    if ! cargo fuzz run --target-dir "$target_dir" "$target" "${inputs[@]}" -- \
        -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=30 "${max_len[@]}" \
        -artifact_prefix="$PWD/artifacts/$target/" -print_final_stats=1 \
        2>"artifacts/$target/log.txt"; then
        echo "!! $target failed: see fuzz/artifacts/$target/log.txt" >&2
        status=1
    fi
    grep -E "^(#[0-9]+ *DONE|stat::number_of_executed_units|stat::peak_rss_mb)" "artifacts/$target/log.txt" >&2 || true
done
exit $status
