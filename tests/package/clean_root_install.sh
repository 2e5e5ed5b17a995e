#!/usr/bin/env bash
# ctest slow.package.clean_root (issue 32; docs/library.md, "Tested on a clean machine"): kiln's
# Debian packages installed with apt on a fresh minimal Debian 13 root, and used there.
#   1. `make deb`'s script (scripts/deb.sh): the packages, from ccache after the normal build.
#   2. A fresh root: debootstrap --variant=minbase from the mirror scripts/toolchain.sh uses, done
#      once and kept as a tarball in $KILN_CLEAN_ROOT_CACHE (default /var/cache/kiln/clean-root,
#      outside the repository), unpacked anew for every run. apt's downloads are kept there too
#      (bound as the root's /var/cache/apt/archives), so LibTorch is downloaded once per machine.
#   3. apt-get install ./kiln_VERSION_amd64.deb (no recommends: its Depends alone must do), then
#      `kiln --version` (timed: best of 5 ≤ $KILN_VERSION_BUDGET_S, default 0.1 s), `kiln doctor`,
#      a small model made there (kiln freeze --model mlp --dataset none) exported and optimized,
#      `kiln validate` on an artifact the build's kiln packed, `kiln pack` + `kiln validate`
#      there (validate.py's template is in the binary), MNIST's how-to-get message, the docs.
#   4. apt-get install ./kiln-dev_VERSION_amd64.deb plus a compiler and CMake (the consumer's own
#      tools), then tests/package/consumer built with find_package(kiln): export and validate
#      through kiln::kiln, validate through kiln::core with no LibTorch loaded.
# The root reaches nothing but the Debian mirror. Needs root (debootstrap, chroot), as the
# toolchain does; runs inside the toolchain root (ctest), where the cache lives.
#   clean_root_install.sh KILN   (the build's kiln, which packs the artifact)
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KILN=$(realpath "$1")
CACHE=${KILN_CLEAN_ROOT_CACHE:-/var/cache/kiln/clean-root}
BUDGET=${KILN_VERSION_BUDGET_S:-0.1}
MAX_DEB_MB=15
T0=$SECONDS
step() { echo "[clean-root +$((SECONDS - T0)) s] $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || fail "needs root (debootstrap, chroot)"
command -v debootstrap >/dev/null || fail "debootstrap not installed (scripts/packages-tests.txt)"

step "building the packages (scripts/deb.sh)"
mapfile -t debs < <("$REPO/scripts/deb.sh")
runtime_deb='' dev_deb=''
for d in "${debs[@]}"; do
  case $(basename "$d") in
    kiln_*_amd64.deb) runtime_deb=$d ;;
    kiln-dev_*_amd64.deb) dev_deb=$d ;;
  esac
done
[[ -f $runtime_deb && -f $dev_deb ]] || fail "scripts/deb.sh made no kiln_*.deb and kiln-dev_*.deb: ${debs[*]}"
for d in "$runtime_deb" "$dev_deb"; do
  bytes=$(stat -c %s "$d")
  echo "  $(basename "$d"): $((bytes / 1024)) KiB"
  ((bytes <= MAX_DEB_MB * 1024 * 1024)) || fail "$(basename "$d") is over $MAX_DEB_MB MB"
done
dpkg-deb -f "$runtime_deb" Depends | sed 's/^/  Depends: /'

WORK=$(mktemp -d /var/tmp/kiln-clean-root.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
step "an artifact packed by the build's kiln"
(
  cd "$WORK"
  "$KILN" freeze --model mlp --dataset none --out built >/dev/null
  "$KILN" export built/model_scripted.pt -o built/model.onnx >/dev/null
  "$KILN" optimize built/model.onnx -o built/opt.onnx >/dev/null
  "$KILN" pack --model built/opt.onnx --reference built/model_scripted.pt --dataset none \
    --out artifact >/dev/null
)

mirror=$("$REPO/scripts/toolchain.sh" mirror)
base=$CACHE/base-trixie.tar
mkdir -p "$CACHE/archives/partial"
if [[ ! -f $base || $(cat "$base.mirror" 2>/dev/null) != "$mirror" ]]; then
  step "debootstrap --variant=minbase trixie from $mirror (cached in $base)"
  rm -rf "$CACHE/base.partial"
  debootstrap --variant=minbase trixie "$CACHE/base.partial" "$mirror" >"$CACHE/debootstrap.log" 2>&1 ||
    fail "debootstrap failed, see $CACHE/debootstrap.log"
  rm -f "$CACHE"/base.partial/var/cache/apt/archives/*.deb
  tar -C "$CACHE/base.partial" -cf "$base.partial" .
  rm -rf "$CACHE/base.partial"
  mv "$base.partial" "$base"
  echo "$mirror" >"$base.mirror"
fi
ROOT=$WORK/root
mkdir "$ROOT"
tar -C "$ROOT" -xf "$base"
mkdir "$ROOT/work"
cp "$runtime_deb" "$dev_deb" "$ROOT/work/"
cp -r "$WORK/artifact" "$REPO/tests/package/consumer" "$ROOT/work/"

# Mounts stay in a namespace of their own. Inside the toolchain root (ctest) "/" is no mount point
# and cannot be made private; scripts/toolchain.sh's namespace is private already, so nothing made
# here reaches the host either way.
propagation=private
unshare --mount --propagation private true 2>/dev/null || propagation=unchanged
# A command in the root, as on a fresh machine: its own /proc and /dev, apt's download cache
# bound from $CACHE, a clean environment (a proxy the caller set is kept: the way to the mirror).
in_clean_root() {
  # shellcheck disable=SC2016
  unshare --mount --propagation "$propagation" -- bash -c '
    set -e
    root=$1 archives=$2; shift 2
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    mount --bind "$archives" "$root/var/cache/apt/archives"
    cp -f /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
    exec chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive ${http_proxy:+http_proxy=$http_proxy} \
      ${https_proxy:+https_proxy=$https_proxy} "$@"
  ' clean-root "$ROOT" "$CACHE/archives" "$@"
}
in_work() { in_clean_root bash -c 'cd /work && '"$1"; }

step "apt-get install ./$(basename "$runtime_deb")"
in_clean_root apt-get update -qq || fail "apt-get update failed in the clean root"
in_clean_root apt-get install -y -qq --no-install-recommends "/work/$(basename "$runtime_deb")" \
  >"$WORK/apt-runtime.log" 2>&1 || { tail -20 "$WORK/apt-runtime.log"; fail "apt-get install of the kiln package failed"; }
echo "  $(in_clean_root dpkg-query -W -f '${binary:Package}\n' | wc -l) packages installed in the root"
in_clean_root bash -c 'readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3' | grep -q openblas ||
  fail "libblas.so.3 is not OpenBLAS in the clean root"

step "kiln --version, timed"
times=$(in_clean_root bash -c 'for i in 1 2 3 4 5 6; do s=$(date +%s%N); kiln --version >/dev/null || exit 1; e=$(date +%s%N); echo $(((e - s) / 1000)); done') ||
  fail "kiln --version failed"
# The first run reads the libraries from disk; the best of the other five is the start-up cost.
best=$(tail -n +2 <<<"$times" | sort -n | head -1)
echo "  kiln $(in_clean_root kiln --version): runs of $(tr '\n' ' ' <<<"$times")µs; best $best µs"
awk -v b="$best" -v budget="$BUDGET" 'BEGIN { exit !(b / 1e6 <= budget) }' ||
  fail "kiln --version took $best µs at best, over the ${BUDGET} s budget"

step "kiln doctor"
in_clean_root kiln doctor >"$WORK/doctor.txt" 2>&1 || { cat "$WORK/doctor.txt"; fail "kiln doctor failed"; }
tail -n 4 "$WORK/doctor.txt" | sed 's/^/  /'
in_clean_root bash -c '! command -v kiln-torch' >/dev/null || fail "kiln-torch is on PATH (it belongs in /usr/libexec/kiln)"

step "kiln freeze + export + optimize on a small model"
in_work 'kiln freeze --model mlp --dataset none --out m && kiln export m/model_scripted.pt -o m/model.onnx &&
  kiln optimize m/model.onnx -o m/opt.onnx' >"$WORK/export.txt" 2>&1 || { cat "$WORK/export.txt"; fail "export/optimize failed"; }
grep -E 'verified|passes' "$WORK/export.txt" | head -3 | sed 's/^/  /'

step "kiln validate on the artifact the build packed"
in_work 'kiln validate artifact' >"$WORK/validate.txt" 2>&1 || { cat "$WORK/validate.txt"; fail "kiln validate failed"; }
grep -qi 'pass' "$WORK/validate.txt" || { cat "$WORK/validate.txt"; fail "kiln validate printed no verdict"; }
tail -n 1 "$WORK/validate.txt" | sed 's/^/  /'
# A corrupted copy must fail: the gate can say no.
in_work 'cp -r artifact bad && printf x >>bad/model_opt.onnx && ! kiln validate bad >/dev/null 2>&1' ||
  fail "kiln validate passed a corrupted artifact"

step "kiln pack + validate with the installed kiln (validate.py written from the binary)"
in_work 'kiln pack --model m/opt.onnx --reference m/model_scripted.pt --dataset none --out packed >/dev/null &&
  test -s packed/validate.py && kiln validate packed >/dev/null' || fail "pack/validate with the installed kiln failed"

step "MNIST: the installed kiln says how to get it"
if in_work 'kiln compare m/model_scripted.pt m/model.onnx' >"$WORK/mnist.txt" 2>&1; then
  fail "kiln compare found MNIST in a clean root (it must come from KILN_DATA_DIR)"
fi
grep -q 'KILN_DATA_DIR' "$WORK/mnist.txt" || { cat "$WORK/mnist.txt"; fail "no hint on MNIST"; }
sed 's/^/  /' "$WORK/mnist.txt" | tail -n 1
in_clean_root test -f /usr/share/doc/kiln/README.md -a -f /usr/share/doc/kiln/docs/ci.md \
  -a -f /usr/share/doc/kiln/docs/library.md || fail "docs missing under /usr/share/doc/kiln"

step "apt-get install ./$(basename "$dev_deb") g++ cmake make; the consumer"
in_clean_root apt-get install -y -qq --no-install-recommends "/work/$(basename "$dev_deb")" g++ cmake make \
  >"$WORK/apt-dev.log" 2>&1 || { tail -20 "$WORK/apt-dev.log"; fail "apt-get install of kiln-dev failed"; }
in_work 'cmake -S consumer -B consumer-build -DCMAKE_BUILD_TYPE=Release >/dev/null && cmake --build consumer-build' \
  >"$WORK/consumer-build.txt" 2>&1 || { cat "$WORK/consumer-build.txt"; fail "the consumer did not build against the installed package"; }
in_work 'consumer-build/export_and_validate m/model_scripted.pt consumer.onnx artifact' >"$WORK/consumer.txt" 2>&1 ||
  { cat "$WORK/consumer.txt"; fail "the consumer's export/validate failed"; }
head -3 "$WORK/consumer.txt" | sed 's/^/  /'
in_work 'consumer-build/validate_only artifact' >"$WORK/validate_only.txt" 2>&1 ||
  { cat "$WORK/validate_only.txt"; fail "the validate-only consumer failed"; }
# (ldd's output to files first: under pipefail, `ldd | grep -q` fails when grep stops reading
# early and ldd gets SIGPIPE — the second check then failed at random, the first could not fail)
in_work 'ldd consumer-build/validate_only' >"$WORK/ldd-core.txt"
in_work 'ldd consumer-build/export_and_validate' >"$WORK/ldd-kiln.txt"
grep -q 'libtorch' "$WORK/ldd-core.txt" && fail "the kiln::core consumer links LibTorch"
grep -q 'libtorch_cpu' "$WORK/ldd-kiln.txt" || fail "the kiln::kiln consumer does not link LibTorch"
in_work '! consumer-build/validate_only bad >/dev/null 2>&1' || fail "the consumer passed a corrupted artifact"

step "passed"
