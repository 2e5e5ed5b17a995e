#!/usr/bin/env bash
# scripts/toolchain.sh takes the Debian mirror and apt proxy from the host's apt configuration:
# sample configurations (APT_CONFIG redirects apt-config's folders) in every format apt reads.
set -uo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../../scripts/toolchain.sh
source "$REPO/scripts/toolchain.sh"
set +e
T=$(mktemp -d /tmp/kiln_mirror.XXXXXX)
trap 'rm -rf "$T"' EXIT
FAILS=0
PASSES=0
unset KILN_DEBIAN_MIRROR http_proxy https_proxy

# A fresh apt configuration in $T/etc: APT_CONFIG names it, everything else comes from there.
fresh_etc() {
  rm -rf "${T:?}/etc"
  mkdir -p "$T/etc/sources.list.d" "$T/etc/apt.conf.d"
  printf 'Dir::Etc "%s/etc";\n' "$T" >"$T/apt.conf"
  export APT_CONFIG=$T/apt.conf
}
expect_mirror() {  # expect_mirror WHAT WANT
  local got
  got=$(debian_mirror)
  if [[ $got == "$2" ]]; then PASSES=$((PASSES + 1)); else
    echo "FAIL: $1: mirror '$got', want '$2'"
    FAILS=$((FAILS + 1))
  fi
}

# deb822, as Debian 12/13 images ship it (comments inside the stanza, a security stanza after).
fresh_etc
cat >"$T/etc/sources.list.d/debian.sources" <<'S'
Types: deb
# http://snapshot.example/archive/debian/20250520T000000Z
URIs: http://mirror.corp.example/debian/
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.corp.example/debian-security
Suites: bookworm-security
Components: main
S
expect_mirror "deb822 debian.sources" http://mirror.corp.example/debian

# Security first, a disabled stanza, a multi-line Signed-By key, deb-src only: all skipped.
fresh_etc
cat >"$T/etc/sources.list.d/a.sources" <<'S'
Types: deb
URIs: http://security.example/debian-security
Suites: trixie-security
Components: main

Types: deb-src
URIs: http://src.example/debian
Suites: trixie
Components: main

Types: deb
URIs: http://disabled.example/debian
Suites: trixie
Components: main
Enabled: no

types: deb deb-src
uris: https://cache.example:3142/debian
suites: trixie
components: contrib main non-free-firmware
signed-by:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 mQINBGPL0BUBEADmW5NdOOHwPIJlgPu6JDcKw/NZJPR3lsD3mLgOsMvaFnlRKGdF
 -----END PGP PUBLIC KEY BLOCK-----
S
expect_mirror "deb822 skips security, deb-src, disabled" https://cache.example:3142/debian

# One-line sources.list: comments, options in brackets, deb-src, cdrom, security, a third-party
# repository without "main"; sources.list comes before sources.list.d/.
fresh_etc
cat >"$T/etc/sources.list" <<'S'
# deb http://commented.example/debian bookworm main
deb cdrom:[Debian GNU/Linux 12]/ bookworm main
deb-src http://src.example/debian bookworm main
deb http://security.example/debian-security bookworm-security main
deb [arch=amd64] https://thirdparty.example/linux/debian bookworm stable
deb [ arch=amd64 signed-by=/usr/share/keyrings/k.gpg ] http://ftp.example.org/debian/ bookworm main contrib # trailing
S
cat >"$T/etc/sources.list.d/debian.sources" <<'S'
Types: deb
URIs: http://later.example/debian
Suites: bookworm
Components: main
S
expect_mirror "one-line sources.list first" http://ftp.example.org/debian

# sources.list.d/ in name order, .list and .sources alike; mirror+file: is not for debootstrap.
fresh_etc
echo 'deb mirror+file:/etc/apt/mirrors.txt bookworm main' >"$T/etc/sources.list.d/0mirrors.list"
echo 'deb http://b.example/debian bookworm main' >"$T/etc/sources.list.d/b.list"
printf 'Types: deb\nURIs: http://a.example/debian\nSuites: bookworm\nComponents: main\n' >"$T/etc/sources.list.d/a.sources"
echo 'deb http://ignored.example/debian bookworm main' >"$T/etc/sources.list.d/c.list.disabled"
expect_mirror "sources.list.d in name order" http://a.example/debian

# Nothing Debian (Ubuntu, third-party suites): no host is guessed; a one-line error asks for
# KILN_DEBIAN_MIRROR.
expect_no_mirror() {  # expect_no_mirror WHAT
  local got err rc
  got=$(debian_mirror 2>"$T/err")
  rc=$?
  err=$(<"$T/err")
  if [[ $rc != 0 && -z $got && $err == "[toolchain] error: the host's apt sources name no Debian archive: set KILN_DEBIAN_MIRROR"* ]]; then
    PASSES=$((PASSES + 1))
  else
    echo "FAIL: $1: rc=$rc, mirror '$got', stderr '$err'"
    FAILS=$((FAILS + 1))
  fi
}
fresh_etc
echo 'deb http://ubuntu.example/ubuntu jammy main restricted' >"$T/etc/sources.list"
printf 'Types: deb\nURIs: https://thirdparty.example/node_20.x\nSuites: nodistro\nComponents: main\n' >"$T/etc/sources.list.d/nodesource.sources"
expect_no_mirror "no Debian entry"
fresh_etc
expect_no_mirror "no sources at all"

# KILN_DEBIAN_MIRROR wins over the host's sources.
fresh_etc
echo 'deb http://ftp.example.org/debian bookworm main' >"$T/etc/sources.list"
KILN_DEBIAN_MIRROR=http://override.example/debian expect_mirror "override" http://override.example/debian

# The apt proxy, from apt.conf.d/, as apt -o options; DIRECT means none.
expect_proxy() {  # expect_proxy WHAT WANT
  local got
  got=$(host_apt_proxy_options | tr '\n' ' ')
  if [[ $got == "$2" ]]; then PASSES=$((PASSES + 1)); else
    echo "FAIL: $1: proxy options '$got', want '$2'"
    FAILS=$((FAILS + 1))
  fi
}
fresh_etc
expect_proxy "no proxy" ""
echo 'Acquire::http::Proxy "http://proxy.example:3128/";' >"$T/etc/apt.conf.d/01proxy"
expect_proxy "http proxy" "Acquire::http::Proxy=http://proxy.example:3128/ "
printf 'Acquire::https::Proxy "DIRECT";\nAcquire { http { Proxy "http://p2.example:8080"; }; };\n' >"$T/etc/apt.conf.d/02proxy"
expect_proxy "nested syntax, DIRECT https" "Acquire::http::Proxy=http://p2.example:8080 "

# This machine's own apt configuration, read by apt itself: the mirror kiln takes must be one of
# the Debian archives apt would fetch a `main` index of (none: no mirror, and a one-line error).
unset APT_CONFIG
if command -v apt-get >/dev/null; then
  apt_mirrors=$(apt-get indextargets --format '$(TARGET_OF) $(REPO_URI) $(RELEASE) $(COMPONENT)' 2>/dev/null |
    awk -v re="$DEBIAN_SUITE_RE" '$1 == "deb" && $3 ~ re && $4 == "main" { sub(/\/+$/, "", $2); print $2 }' | sort -u)
  got=$(host_mirror)
  if [[ -z $apt_mirrors && -z $got ]] || grep -qxF -- "$got" <<<"$apt_mirrors"; then
    PASSES=$((PASSES + 1))
  else
    echo "FAIL: this machine: kiln reads mirror '$got'; apt's Debian main archives: $(echo $apt_mirrors)"
    FAILS=$((FAILS + 1))
  fi
fi

echo "$PASSES passed, $FAILS failed"
[[ $FAILS == 0 ]]
