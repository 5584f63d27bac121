#!/usr/bin/env bash
# Coverage-guided fuzzing of Spapr.Drc with SharpFuzz and AFL++ (issue 9, item 4).
#
#   tests/Spapr.Drc.Fuzz/run-fuzz.sh [target ...]     (default: every target the project has: see --list)
#
# Environment: FUZZ_SECONDS (per target, default 120), FUZZ_OUT (default tests/Spapr.Drc.Fuzz/bin/fuzz,
# ignored by git and outside the repository's top level).
# Installs afl++ (apt-get, as root) and the sharpfuzz tool when missing, publishes the fuzz project, instruments
# Spapr.Drc.dll (and drcsim.dll), seeds each corpus, runs afl-fuzz for the bounded time, prints executions, paths
# and crashes per target, and exits 1 when any target crashed (the inputs are under $FUZZ_OUT/findings/<target>).
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

seconds=${FUZZ_SECONDS:-120}
out=$(realpath -m "${FUZZ_OUT:-tests/Spapr.Drc.Fuzz/bin/fuzz}")
project=tests/Spapr.Drc.Fuzz
mkdir -p "$out"

if ! command -v afl-fuzz >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing afl++"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++ >/dev/null
  else
    echo "== afl-fuzz not found and cannot install it (needs root and apt-get: apt-get install afl++)" >&2
    exit 2
  fi
fi

tools="$out/tools"
if [ ! -x "$tools/sharpfuzz" ]; then
  echo "== installing SharpFuzz.CommandLine 2.3.0"
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$tools" >/dev/null
fi

echo "== build, publish and instrument"
# The plain build lists targets and writes seeds: instrumented code needs afl-fuzz's shared memory to run.
dotnet build "$project" -c Release -v quiet -nologo >/dev/null
plain=(dotnet "$project/bin/Release/net10.0/Spapr.Drc.Fuzz.dll")
bin="$out/bin"
rm -rf "$bin"   # sharpfuzz rewrites in place: always instrument a fresh copy
dotnet publish "$project" -c Release -o "$bin" -v quiet -nologo >/dev/null
"$tools/sharpfuzz" "$bin/Spapr.Drc.dll"
"$tools/sharpfuzz" "$bin/drcsim.dll"

fuzz=("$(command -v dotnet)" "$bin/Spapr.Drc.Fuzz.dll")
if [ "$#" -gt 0 ]; then targets=("$@"); else mapfile -t targets < <("${plain[@]}" --list); fi

# dotnet is not an AFL-instrumented binary (SharpFuzz instruments the IL and runs the fork server itself); the
# machine is shared, so no CPU binding; containers rarely let us set core_pattern or the CPU governor.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1

stat() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$2"; }
failed=0
summary=()
for target in "${targets[@]}"; do
  seeds="$out/seeds/$target"
  findings="$out/findings/$target"
  rm -rf "$seeds" "$findings"
  mkdir -p "$seeds" "$out/findings"
  if [ -d "$project/corpus/$target" ]; then cp "$project/corpus/$target"/* "$seeds"/; fi
  "${plain[@]}" --make-seeds "$target" "$seeds"

  echo "== afl-fuzz $target for ${seconds}s"
  afl-fuzz -i "$seeds" -o "$findings" -t 10000 -m none -V "$seconds" -- "${fuzz[@]}" "$target" >"$out/afl-$target.log" 2>&1 || {
    echo "afl-fuzz failed for $target; last lines of $out/afl-$target.log:" >&2
    tail -n 30 "$out/afl-$target.log" >&2
    exit 2
  }

  stats="$findings/default/fuzzer_stats"
  execs=$(stat execs_done "$stats")
  paths=$(stat corpus_count "$stats")
  crashes=$(stat saved_crashes "$stats")
  hangs=$(stat saved_hangs "$stats")
  line="$target: $execs executions, $paths paths (corpus), $crashes crashes, $hangs hangs in ${seconds}s"
  summary+=("$line")
  echo "$line"
  if [ "${crashes:-0}" != "0" ]; then
    failed=1
    echo "   crashing inputs: $findings/default/crashes (replay: dotnet $project/bin/Release/net10.0/Spapr.Drc.Fuzz.dll --replay $target <dir>)"
  fi
done

echo "== summary"
printf '%s\n' "${summary[@]}"
exit "$failed"
