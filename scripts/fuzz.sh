#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo fuzz / libFuzzer) of the input parsers: nuScenes tables, map
# expansion, scenario TOML, episode JSON, HUGSIM request bodies and response pickles.
#
#   scripts/fuzz.sh [--runs N | --secs S] [TARGET...]
#
# --runs N   executions per target (default 1000000: the bench pass)
# --secs S   seconds per target instead (CI's short pass)
# TARGET     only these targets (default: all, see fuzz/Cargo.toml)
#
# Builds the targets (installing cargo-fuzz if missing), runs each on its working corpus
# fuzz/corpus/<target> (kept between runs, not committed) seeded from fuzz/seeds/<target>, and
# prints per target: executions, execs/s, crashes. Exits non-zero if any target crashed
# (panic, OOM over 2 GiB, an input running over 10 s); the input is left in
# fuzz/artifacts/<target>/ (reproduce with `RUSTC_BOOTSTRAP=1 cargo fuzz run -s none <target>
# <file>` in fuzz/, then add it to tests/it/fuzz_regressions.rs).
#
# Only a stable toolchain is needed: RUSTC_BOOTSTRAP=1 lets cargo fuzz pass its flags, and no
# sanitizer is used (`-s none`; ASan needs nightly). Instrumented builds go to their own target
# dir (MPA_SIM_FUZZ_TARGET_DIR, default fuzz/target), never the normal one.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=1000000
secs=""
targets=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --runs) runs="$2"; secs=""; shift 2 ;;
        --secs) secs="$2"; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        -*) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
        *) targets+=("$1"); shift ;;
    esac
done

if ! command -v cargo-fuzz >/dev/null; then
    echo "fuzz.sh: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

export RUSTC_BOOTSTRAP=1
target_dir="${MPA_SIM_FUZZ_TARGET_DIR:-$PWD/fuzz/target}"
# --codegen-units 16: the build links wgpu and burn; one codegen unit made it much slower
# for a small gain in execs/s.
build_flags=(-s none --codegen-units 16 --target-dir "$target_dir")

cd fuzz
if [[ ${#targets[@]} -eq 0 ]]; then
    mapfile -t targets < <(cargo fuzz list)
fi
start=$SECONDS
if [[ ${#targets[@]} -eq 1 ]]; then
    cargo fuzz build "${build_flags[@]}" "${targets[0]}"
else
    cargo fuzz build "${build_flags[@]}"
fi
echo "fuzz.sh: build took $(( SECONDS - start )) s" >&2

# Longest input per target, bytes: a little over the largest seed. -len_control=0 below lets
# mutations use whole seeds from the start (by default libFuzzer grows the length limit
# slowly, and a scenario or table cut to its first kilobyte only exercises syntax errors).
max_len() {
    case "$1" in
        nuscenes_tables|map_expansion|episode_json) echo 65536 ;;
        scenario_toml) echo 16384 ;;
        hugsim_request) echo 8192 ;;
        *) echo 4096 ;;
    esac
}

# Scratch space for targets that write files (nuscenes_tables), removed on exit; in tmpfs if
# there is one (on disk, writeback made that target about 13x slower).
scratch_base="${TMPDIR:-/tmp}"
[[ -d /dev/shm && -w /dev/shm ]] && scratch_base=/dev/shm
scratch="$(mktemp -d "$scratch_base/mpa-sim-fuzz.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
export MPA_SIM_FUZZ_SCRATCH="$scratch"

if [[ -n "$secs" ]]; then limit=(-max_total_time="$secs"); else limit=(-runs="$runs"); fi
# Files libFuzzer writes for a failing input.
count_artifacts() {
    find "artifacts/$1" -type f \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' \
        -o -name 'leak-*' \) | wc -l
}
failed=0
summary=()
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    dict=()
    [[ -f "dicts/$t.dict" ]] && dict=(-dict="dicts/$t.dict")
    before=$(count_artifacts "$t")
    log="$scratch/$t.log"
    status=0
    seeds=()
    [[ -d "seeds/$t" ]] && seeds=("seeds/$t")
    cargo fuzz run "${build_flags[@]}" "$t" "corpus/$t" "${seeds[@]}" -- \
        "${limit[@]}" -rss_limit_mb=2048 -timeout=10 -max_len="$(max_len "$t")" \
        -len_control=0 -print_final_stats=1 "${dict[@]}" >"$log" 2>&1 || status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    crashes=$(( $(count_artifacts "$t") - before ))
    if [[ $status -ne 0 && $crashes -eq 0 ]]; then
        crashes=1 # failed without writing an artifact (e.g. a crash while loading seeds)
    fi
    if [[ $status -ne 0 ]]; then
        failed=1
        echo "---- $t failed (exit $status); end of its log:" >&2
        tail -40 "$log" >&2
        cp "$log" "artifacts/$t/last-run.log"
    fi
    summary+=("$(printf '%-16s %12s %10s %8s' "$t" "${execs:-?}" "${rate:-?}" "$crashes")")
done

printf '%-16s %12s %10s %8s\n' target executions execs/s crashes
printf '%s\n' "${summary[@]}"
echo "fuzz.sh: total $(( SECONDS - start )) s" >&2
exit $failed
