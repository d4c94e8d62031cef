#!/usr/bin/env bash
# Builds (only builds, no tests) every configuration Parley supports, warnings as errors, each
# from a fresh cache in its own tree build-matrix/NAME; stops at the first that does not build and
# names it. usage: build_matrix.sh [NAME...]   (no NAME: all of them, in the order below)
#
#   gcc-release      GCC, Release (-O3)
#   gcc-debug        GCC, Debug
#   gcc-relwithdebinfo  GCC, RelWithDebInfo (scripts/build.sh's default)
#   gcc-minsizerel   GCC, MinSizeRel
#   debian           GCC with Debian's flags as given by dpkg-buildflags, CPPFLAGS passed in the
#                    environment (CMakeLists.txt adds them: CMake itself ignores CPPFLAGS), build type None
#   debian-release   GCC, Release (-O3) over Debian's flags with hardening=+all (-z now), CPPFLAGS
#                    appended to CFLAGS the way debhelper does it
#   clang            clang, RelWithDebInfo
#   clang-release    clang, Release (-O3)
#   asan             GCC, Debug, -DPARLEY_SANITIZE=ON (ASan+UBSan, as scripts/test.sh builds it)
#   tsan             GCC, RelWithDebInfo, -DPARLEY_TSAN=ON (as scripts/test.sh builds it)
#   fuzz             clang, -DPARLEY_FUZZ=ON (the libFuzzer targets)
set -euo pipefail
cd "$(dirname "$0")/.."
all=(gcc-release gcc-debug gcc-relwithdebinfo gcc-minsizerel debian debian-release clang clang-release asan tsan fuzz)
names=("$@")
[ ${#names[@]} -gt 0 ] || names=("${all[@]}")
jobs=$(nproc)

# Prints the environment assignments and cmake options of configuration $1 (one a line: ENV VAR=... / -D...).
config() {
	case $1 in
	gcc-release) echo -DCMAKE_BUILD_TYPE=Release ;;
	gcc-debug) echo -DCMAKE_BUILD_TYPE=Debug ;;
	gcc-relwithdebinfo) echo -DCMAKE_BUILD_TYPE=RelWithDebInfo ;;
	gcc-minsizerel) echo -DCMAKE_BUILD_TYPE=MinSizeRel ;;
	debian)
		echo "ENV CFLAGS=$(dpkg-buildflags --get CFLAGS)"
		echo "ENV CPPFLAGS=$(dpkg-buildflags --get CPPFLAGS)"
		echo "ENV LDFLAGS=$(dpkg-buildflags --get LDFLAGS)"
		echo -DCMAKE_BUILD_TYPE=None ;;
	debian-release)
		local f=(env DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get)
		echo "ENV CFLAGS=$("${f[@]}" CFLAGS) $("${f[@]}" CPPFLAGS)"
		echo "ENV LDFLAGS=$("${f[@]}" LDFLAGS)"
		echo -DCMAKE_BUILD_TYPE=Release ;;
	clang) echo "ENV CC=clang"; echo -DCMAKE_BUILD_TYPE=RelWithDebInfo ;;
	clang-release) echo "ENV CC=clang"; echo -DCMAKE_BUILD_TYPE=Release ;;
	asan) echo -DCMAKE_BUILD_TYPE=Debug; echo -DPARLEY_SANITIZE=ON ;;
	tsan) echo -DCMAKE_BUILD_TYPE=RelWithDebInfo; echo -DPARLEY_TSAN=ON ;;
	fuzz) echo "ENV CC=clang"; echo -DCMAKE_BUILD_TYPE=RelWithDebInfo; echo -DPARLEY_FUZZ=ON ;;
	*) echo "build_matrix: no configuration named $1 (known: ${all[*]})" >&2; return 1 ;;
	esac
}

mkdir -p build-matrix
total=$(date +%s)
for name in "${names[@]}"; do
	lines=$(config "$name")
	envs=(-u CFLAGS -u CPPFLAGS -u LDFLAGS -u CC) # only what the configuration says reaches cmake
	opts=()
	while IFS= read -r l; do
		if [[ $l == "ENV "* ]]; then envs+=("${l#ENV }"); else opts+=("$l"); fi
	done <<<"$lines"
	dir=build-matrix/$name
	log=build-matrix/$name.log
	start=$(date +%s)
	# --fresh: CFLAGS, CPPFLAGS, LDFLAGS and CC are read only when a cache is created
	if ! { env "${envs[@]}" cmake --fresh -S . -B "$dir" -DPARLEY_WERROR=ON "${opts[@]}" &&
		cmake --build "$dir" -j"$jobs"; } >"$log" 2>&1; then
		grep -m 20 -E 'error|warning' "$log" >&2 || tail -n 20 "$log" >&2
		echo "build_matrix: configuration $name did not build (cmake ${opts[*]}; log: $log)" >&2
		exit 1
	fi
	echo "build_matrix: $name built ($(( $(date +%s) - start )) s)"
done
echo "build_matrix: built ${names[*]} ($(( $(date +%s) - total )) s)"
