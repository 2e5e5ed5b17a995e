#!/usr/bin/env bash
# Builds kiln's Debian packages (`make deb`; docs/library.md): a native build in build-deb/
# (KILN_TOOLCHAIN_ROOT=/, KILN_PACKAGE=ON: installed under /usr, no toolchain root or checkout
# named in the binaries), then CPack's DEB generator (cmake/KilnDeb.cmake). Run it through
# scripts/toolchain.sh run (the Makefile does). Every object is already in ccache after
# `make demo`'s build (position-independent code in both builds), so this links and packs.
# Prints the paths of the packages it wrote:
#   build-deb/packages/kiln_VERSION_amd64.deb, build-deb/packages/kiln-dev_VERSION_amd64.deb
#   KILN_DEB_BUILD_DIR  build folder (default: build-deb)
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${KILN_DEB_BUILD_DIR:-$REPO/build-deb}
JOBS=${KILN_JOBS:-$(nproc)}
# Inside the toolchain root (KILN_ROOT_ON_HOST, set by scripts/toolchain.sh run) or on a Debian 13 host.
[[ -n ${KILN_ROOT_ON_HOST:-} || $("$REPO/scripts/toolchain.sh" where) == / ]] ||
  { echo "[deb] error: run it with the toolchain: scripts/toolchain.sh run scripts/deb.sh" >&2; exit 1; }
mkdir -p "$BUILD"
log=$BUILD/deb.log
if [[ ! -f $BUILD/CMakeCache.txt ]]; then
  echo "[deb] configuring $BUILD" >&2
  if ! cmake -S "$REPO" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKILN_TOOLCHAIN_ROOT=/ \
    -DKILN_PACKAGE=ON -DKILN_BUILD_TESTS=OFF -DCMAKE_INSTALL_PREFIX=/usr >"$log" 2>&1; then
    tail -40 "$log" >&2
    echo "[deb] configure failed; full log: $log" >&2
    exit 1
  fi
fi
echo "[deb] building and packing in $BUILD" >&2
if ! cmake --build "$BUILD" -j "$JOBS" >"$log" 2>&1; then
  grep -E 'error|Error' -A3 "$log" | head -60 >&2 || tail -40 "$log" >&2
  echo "[deb] build failed; full log: $log" >&2
  exit 1
fi
# Depends: the packages whose libraries the binaries load, as dpkg-shlibdeps finds them (what
# CPack's SHLIBDEPS runs, without its need for file(1)), plus OpenBLAS (cmake/KilnDeb.cmake).
shlib=$(mktemp -d)
trap 'rm -rf "$shlib"' EXIT
mkdir "$shlib/debian"
printf 'Source: kiln\n\nPackage: kiln\nArchitecture: any\n' >"$shlib/debian/control"
if ! shlibs=$(cd "$shlib" && dpkg-shlibdeps -O -e"$BUILD/kiln" -e"$BUILD/kiln-torch" \
  -e"$BUILD/lib/libkiln.so" -e"$BUILD/lib/libkiln-core.so" 2>>"$log"); then
  tail -20 "$log" >&2
  echo "[deb] dpkg-shlibdeps failed; full log: $log" >&2
  exit 1
fi
depends=$(sed -n 's/^shlibs:Depends=//p' <<<"$shlibs")
[[ -n $depends ]] || { echo "[deb] dpkg-shlibdeps found no dependencies" >&2; exit 1; }
rm -rf "$BUILD/packages"
if ! (cd "$BUILD" && cpack -G DEB -D "CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS=libopenblas0-pthread, $depends") >>"$log" 2>&1; then
  tail -40 "$log" >&2
  echo "[deb] cpack failed; full log: $log" >&2
  exit 1
fi
ls "$BUILD"/packages/*.deb
