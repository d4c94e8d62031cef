#!/usr/bin/env bash
# run.sh - build the libFuzzer targets with clang and fuzz each for a while.
#
#   bash fuzz/run.sh [--merge] [--keep-going] [SECONDS] [TARGET...]
#
# Builds into build-fuzz/ (cmake -DPARLEY_FUZZ=ON -DCMAKE_C_COMPILER=clang),
# then runs every target (or the ones named) for SECONDS (default 60) each,
# one after the other, on a scratch copy of its committed corpus under
# build-fuzz/runs/<time>/<target>/, so fuzz/corpus/ is left untouched. With
# --merge, inputs that add coverage are merged back into fuzz/corpus/<target>/
# afterwards (libFuzzer -merge=1; new files are named by their SHA-1).
# A target normally stops at its first crash; with --keep-going it runs in
# libFuzzer's fork mode (-fork=1 -ignore_crashes=1 ...) for the whole time,
# collecting every crash (useful while a known finding is still open).
#
# Exit status: 0 if no target crashed; 1 if any did (its reproducer is in the
# run directory's artifacts/: copy it to fuzz/regressions/<target>/, not into the
# corpus); 2 for a usage or build error.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
build=$root/build-fuzz
all_targets=(note checkpoint tile_path bundle proof_file witness_req statement identity capture stix_pattern manifest sealed sealed_body route)

# Longest input per target: a little over the largest meaningful seed (the
# oversize seeds are truncated when loaded; the replay tests cover them whole).
max_len() {
	case $1 in
	note) echo 16384 ;;
	checkpoint) echo 4096 ;;
	tile_path) echo 80 ;;
	bundle) echo 8192 ;;
	proof_file) echo 8192 ;;
	witness_req) echo 8192 ;;
	statement) echo 4096 ;;
	identity) echo 1024 ;;
	sealed_body) echo 16700 ;;
	*) echo 4096 ;;
	esac
}

merge=0
keep_going=0
seconds=60
targets=()
for a in "$@"; do
	case $a in
	--merge) merge=1 ;;
	--keep-going) keep_going=1 ;;
	-h | --help)
		sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*[!0-9]*)
		found=0
		for t in "${all_targets[@]}"; do [[ $t == "$a" ]] && found=1; done
		if ((!found)); then
			echo "run.sh: unknown target '$a' (targets: ${all_targets[*]})" >&2
			exit 2
		fi
		targets+=("$a")
		;;
	*) seconds=$a ;;
	esac
done
((${#targets[@]})) || targets=("${all_targets[@]}")
if ((seconds < 1)); then
	echo "run.sh: SECONDS must be at least 1" >&2
	exit 2
fi

cc=${CC:-clang}
command -v "$cc" >/dev/null || { echo "run.sh: $cc not found (set CC)" >&2; exit 2; }
echo "== building fuzzers in $build" >&2
cmake -S "$root" -B "$build" -DPARLEY_FUZZ=ON -DCMAKE_C_COMPILER="$cc" \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null ||
	{ echo "run.sh: cmake failed" >&2; exit 2; }
make -C "$build" -j"$(nproc)" parley_fuzzers >/dev/null ||
	{ echo "run.sh: build failed" >&2; exit 2; }

run=$build/runs/$(date +%Y%m%d-%H%M%S)-$$
mkdir -p "$run"
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

status=0
summary=()
for t in "${targets[@]}"; do
	dir=$run/$t
	mkdir -p "$dir/corpus" "$dir/artifacts"
	cp "$here/corpus/$t"/* "$dir/corpus/"
	seeds=$(find "$dir/corpus" -type f | wc -l)
	dict=()
	[[ -f $here/dict/$t.dict ]] && dict=(-dict="$here/dict/$t.dict")
	len=$(max_len "$t")
	echo "== fuzz_$t: ${seconds}s, -max_len=$len, $seeds seeds (log: $dir/fuzz.log)" >&2
	mode=()
	((keep_going)) && mode=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
	rc=0
	"$build/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len="$len" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$dir/artifacts/" "${dict[@]}" "${mode[@]}" "$dir/corpus" \
		>"$dir/fuzz.log" 2>&1 || rc=$?
	if ((keep_going)); then
		# fork mode: "#<execs>: cov: C ft: F corp: N exec/s S oom/timeout/crash: a/b/c time: Ts ..."
		last=$(grep -E '^#[0-9]+: cov:' "$dir/fuzz.log" | tail -1 || true)
		execs=$(sed -E 's/^#([0-9]+):.*/\1/' <<<"$last")
		secs=$(sed -E 's/.* time: ([0-9]+)s.*/\1/' <<<"$last")
		speed=$([[ -n $execs && -n $secs && $secs -gt 0 ]] && echo $((execs / secs)) || echo "?")
		cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' <<<"$last" || true)
	else
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/fuzz.log" | tail -1)
		speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/fuzz.log" | tail -1)
		cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$dir/fuzz.log" | tail -1 || true)
	fi
	arts=$(find "$dir/artifacts" -type f | sort | tr '\n' ' ')
	if ((rc != 0)) || [[ -n $arts ]]; then
		status=1
		summary+=("$(printf '%-12s CRASH (exit %d) %10s execs %7s exec/s  %s\n             artifacts: %s' \
			"$t" "$rc" "${execs:-?}" "${speed:-?}" "$cov" "${arts:-none}")")
		grep -E 'property violated|ERROR: |SUMMARY' "$dir/fuzz.log" | sort | uniq -c | head -5 >&2 || true
		((keep_going)) || continue
	else
		summary+=("$(printf '%-12s ok  %10s execs %7s exec/s  %s' "$t" "${execs:-?}" "${speed:-?}" "$cov")")
	fi
	if ((merge)); then
		before=$(find "$here/corpus/$t" -type f | wc -l)
		"$build/fuzz/fuzz_$t" -merge=1 -max_len="$len" "$here/corpus/$t" "$dir/corpus" \
			>"$dir/merge.log" 2>&1 || { echo "run.sh: merge failed for $t (see $dir/merge.log)" >&2; status=1; }
		after=$(find "$here/corpus/$t" -type f | wc -l)
		summary[-1]+="  merged +$((after - before))"
	fi
done

echo "== results (${seconds}s per target, run directory $run)"
printf '%s\n' "${summary[@]}"
exit $status
