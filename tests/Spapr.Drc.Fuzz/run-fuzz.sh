#!/usr/bin/env bash
# Coverage-guided fuzzing of Spapr.Drc with SharpFuzz + AFL++. Targets:
#   snapshot  the snapshot loader (LoadSnapshot): only the documented refusal, DrcSnapshotException with the
#             registry unchanged, is allowed; an accepted stream must keep the invariants and round-trip.
#   scenario  drcsim's scenario parser and runner: exit codes 0, 1 (an expect failed) and 2 (malformed) are the
#             documented outcomes; any exception is a crash. Seeded with drcsim's shipped scenarios.
#   rtas      RTAS input handling (configure-connector work areas, check-exception, set-indicator and
#             get-sensor-state in typed and cell forms, interleaved with host operations): only SPEC status codes.
#
#   tests/Spapr.Drc.Fuzz/run-fuzz.sh [target] [seconds]   defaults: snapshot 300; output in tests/Spapr.Drc.Fuzz/out/<target>/
#
# Needs afl-fuzz (Debian: apt-get install afl++) and the .NET SDK; the sharpfuzz tool (SharpFuzz.CommandLine) is
# installed into out/tools. Exit code 0 when AFL found no crash and no hang, 1 otherwise (the inputs are replayed
# with their exceptions printed), 2 when a prerequisite is missing.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
target=${1:-snapshot}
seconds=${2:-300}
tools=$here/out/tools
out=$here/out/$target
publish=$out/publish
plain=$out/plain
corpus=$out/corpus
findings=$out/findings

if ! command -v afl-fuzz >/dev/null; then
    echo "afl-fuzz not found: install AFL++ (Debian package afl++)" >&2
    exit 2
fi

mkdir -p "$out" "$tools"
if [ ! -x "$tools/sharpfuzz" ]; then
    dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$tools"
fi

# A fresh publish each time: sharpfuzz instruments Spapr.Drc.dll in place and refuses an instrumented one. The
# instrumented library only runs under afl-fuzz (it writes AFL's shared-memory bitmap), so seeding and replaying
# use an uninstrumented copy.
rm -rf "$publish" "$plain" "$corpus" "$findings"
dotnet publish "$here/Spapr.Drc.Fuzz.csproj" -c Release -o "$plain" --nologo -v quiet
cp -r "$plain" "$publish"
"$tools/sharpfuzz" "$publish/Spapr.Drc.dll"
"$tools/sharpfuzz" "$publish/drcsim.dll"
dotnet "$plain/Spapr.Drc.Fuzz.dll" seed "$target" "$corpus"

# dotnet itself is not AFL-instrumented (the instrumented code is Spapr.Drc.dll, reporting through SharpFuzz).
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
afl-fuzz -V "$seconds" -i "$corpus" -o "$findings" -t 10000 -m none -- dotnet "$publish/Spapr.Drc.Fuzz.dll" "$target" >"$out/afl.log" 2>&1 || {
    tail -30 "$out/afl.log" >&2
    exit 2
}

stats=$findings/default/fuzzer_stats
grep -E '^(run_time|execs_done|execs_per_sec|corpus_count|corpus_found|saved_crashes|saved_hangs|bitmap_cvg|edges_found|total_edges)' "$stats"

found=0
for kind in crashes hangs; do
    for input in "$findings/default/$kind"/id:*; do
        [ -e "$input" ] || continue
        found=1
        echo "$kind: $input"
        dotnet "$plain/Spapr.Drc.Fuzz.dll" replay "$target" "$input" || true
    done
done

exit $found
