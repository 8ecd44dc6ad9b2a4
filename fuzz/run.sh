#!/usr/bin/env bash
# Runs every fuzz target (or those named) for a bounded time each and
# reports executions and execs/s from libFuzzer's final stats.
#
#   fuzz/run.sh [seconds-per-target] [target...]     (default: 60, all targets)
#
# Seeds are read from fuzz/corpus/<target>/ (tracked) and what the fuzzer
# finds goes to fuzz/work/<target>/ (ignored), so the seeds stay small.
# Crashes are written to fuzz/artifacts/<target>/; the script exits non-zero
# if any target crashed, leaked, ran out of memory or timed out.
# Needs a nightly toolchain and cargo-fuzz (cargo install cargo-fuzz --locked).
set -uo pipefail
cd "$(dirname "$0")"
fuzz_dir=$(pwd)
seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(json jwt jwks callback authorize)
fi

cargo +nightly fuzz build || exit 2
mkdir -p work/logs

failed=0
summary=()
for t in "${targets[@]}"; do
  mkdir -p "work/$t" "corpus/$t"
  log="work/logs/$t.log"
  echo "== $t: ${seconds}s"
  cargo +nightly fuzz run "$t" "$fuzz_dir/work/$t" "$fuzz_dir/corpus/$t" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    > "$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  if [ -z "$runs" ]; then # no final stats (crash): the last status line instead
    runs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
    rate=$(grep -oE 'exec/s: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  fi
  if [ "$rc" -eq 0 ]; then
    result=ok
  else
    result="FAILED (exit $rc)"
    failed=1
    grep -E '^(==[0-9]+==ERROR|thread .* panicked|SUMMARY|artifact_prefix|Test unit written)' "$log" | head -8
    echo "   full log: fuzz/$log"
  fi
  summary+=("$(printf '%-10s %14s %10s  %s' "$t" "${runs:-?}" "${rate:-?}" "$result")")
done

echo
printf '%-10s %14s %10s  %s\n' target executions execs/s result
printf '%s\n' "${summary[@]}"
exit $failed
