#!/bin/sh
# tools/check-deb.sh: builds the Debian packages (debian/) with
# dpkg-buildpackage from the committed tree, then installs, uses and
# removes them in a throwaway root: an overlay of this machine's / mounted
# in a private mount namespace and entered with chroot, so dpkg, its
# maintainer scripts and /etc/gss/mech are changed there only and vanish
# with it.  Checks, in that root:
#   - installing registers the mechanisms: our lines in /etc/gss/mech, and
#     Heimdal's gsstool (a program we did not write) lists both;
#   - the -dev package builds a program with pkg-config, and it runs;
#   - the tool (sspi-shim-tools) lists the packages, WDigest and CredSSP
#     among them, and `sspi-shim check` authenticates against a throwaway
#     realm (tools/mkrealm.sh) as README.md says;
#   - removing sspi-shim-mechs takes our lines out (gsstool still runs),
#     and purging removes /etc/sspi-shim.
# Needs root (dpkg, mount, chroot); exits 77 without it.  Installs the build
# dependencies with apt-get.  DEB_BUILD_OPTIONS defaults to nocheck: CI runs
# the same suite separately (set DEB_BUILD_OPTIONS= to run it in the build).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
    echo "check-deb: needs root (dpkg -i in a throwaway chroot); skipped"
    exit 77
fi
export DEBIAN_FRONTEND=noninteractive
need="debhelper dpkg-dev fakeroot heimdal-multidev heimdal-clients heimdal-kdc libssl-dev pkgconf"
missing=
for p in $need; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "check-deb: installing$missing"
    apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing > /dev/null
fi

work=$(mktemp -d /tmp/check-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
src=$work/sspi-shim-$version
mkdir -p "$src"
if git -C "$top" rev-parse --git-dir > /dev/null 2>&1; then
    git -C "$top" archive --format=tar HEAD | tar -x -C "$src"
    echo "check-deb: building $(git -C "$top" rev-parse --short HEAD) (committed files only)"
else
    (cd "$top" && tar --exclude='./build*' -cf - .) | tar -x -C "$src"
fi
(
    cd "$src"
    DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS-"nocheck parallel=2"} \
        dpkg-buildpackage -us -uc -b > "$work/build.log" 2>&1
) || { tail -n 60 "$work/build.log"; echo "check-deb: FAIL: dpkg-buildpackage"; exit 1; }
ls "$work"/*.deb
for deb in "$work"/*.deb; do
    echo "--- $(basename "$deb")"
    dpkg-deb -c "$deb" | awk '{print $6}' | grep -v '/$'
done

# The throwaway root.  The script below runs in it.
cat > "$work/in-root.sh" <<'IN_ROOT'
set -eu
debs=$1 top=$2
fail() { echo "check-deb: FAIL: $*"; exit 1; }
ours() { if [ -f /etc/gss/mech ]; then grep -c '^sspi_shim_' /etc/gss/mech || true; else echo 0; fi; }

[ "$(ours)" = 0 ] || fail "/etc/gss/mech already names our mechanisms before installing"
# The packages, not their -dbgsym companions.
dpkg -i $(ls "$debs"/*.deb | grep -v -- -dbgsym_) > "$debs/install.log" 2>&1 ||
    { cat "$debs/install.log"; fail "dpkg -i"; }
echo "installed: $(cd "$debs" && ls *.deb | grep -v -- -dbgsym_ | tr '\n' ' ')"
cat /etc/gss/mech
[ "$(ours)" = 2 ] || fail "installing did not add our two lines to /etc/gss/mech"
gsstool mechanisms > "$debs/gsstool.out" 2>&1 || { cat "$debs/gsstool.out"; fail "gsstool"; }
for oid in 1.2.752.43.14.1 1.3.6.1.4.1.32473.1.1; do
    grep -q "^$(echo $oid | tr . ' ') " "$debs/gsstool.out" || fail "gsstool does not list $oid"
done
echo "ok: installing registered both mechanisms; Heimdal's gsstool lists them"

# The -dev package: a program built with pkg-config against the installed
# headers and library.
cat > "$debs/list.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <sspi.h>
int main(void)
{
    ULONG n = 0;
    PSecPkgInfoA pkgs = NULL;
    if (EnumerateSecurityPackagesA(&n, &pkgs) != SEC_E_OK)
        return 1;
    for (ULONG i = 0; i < n; i++)
        printf("%s\n", pkgs[i].Name);
    FreeContextBuffer(pkgs);
    return 0;
}
C
cc -o "$debs/list" "$debs/list.c" $(pkg-config --cflags --libs sspi-shim) ||
    fail "building against libsspi-dev with pkg-config"
"$debs/list" > "$debs/list.out" || fail "the program built against libsspi-dev"
for p in Kerberos Negotiate WDigest CREDSSP; do
    grep -qix "$p" "$debs/list.out" || { cat "$debs/list.out"; fail "package $p not listed"; }
done
echo "ok: a program built with pkg-config sspi-shim lists $(tr '\n' ' ' < "$debs/list.out")"

# The tool, as README.md shows it.
if [ -x /usr/bin/sspi-shim ]; then
    sspi-shim packages > "$debs/packages.out" 2>&1 || { cat "$debs/packages.out"; fail "sspi-shim packages"; }
    grep -qi wdigest "$debs/packages.out" && grep -qi credssp "$debs/packages.out" ||
        { cat "$debs/packages.out"; fail "sspi-shim packages lacks WDigest or CredSSP"; }
    echo "ok: sspi-shim packages lists WDigest and CredSSP"
    # README.md's steps: a throwaway realm (tools/mkrealm.sh from the
    # source tree), a ticket, then "does the keytab work for HTTP/localhost?".
    realm=$(mktemp -d)/realm
    "$top/tools/mkrealm.sh" "$realm" > "$debs/realm.log" 2>&1 || { cat "$debs/realm.log"; fail "mkrealm"; }
    rc=0
    (
        . "$realm/env.sh"
        printf '%s\n' alice-Secret-1 > "$realm/alice.pw"
        sspi_kinit "alice@$SSPI_REALM" "$realm/alice.pw"
        sspi-shim check --spn HTTP/localhost
    ) > "$debs/check.out" 2>&1 || rc=$?
    "$top/tools/mkrealm.sh" --stop "$realm" > /dev/null 2>&1 || true
    cat "$debs/check.out"
    [ $rc -eq 0 ] && grep -q ': OK: ' "$debs/check.out" ||
        fail "sspi-shim check against the throwaway realm (exit $rc)"
    echo "ok: the installed sspi-shim check authenticates alice to HTTP/localhost in a throwaway realm"
else
    fail "sspi-shim-tools did not install /usr/bin/sspi-shim"
fi

dpkg -r sspi-shim-mechs sspi-shim-tools > "$debs/remove.log" 2>&1 || { cat "$debs/remove.log"; fail "dpkg -r"; }
[ "$(ours)" = 0 ] || fail "removing sspi-shim-mechs left our lines in /etc/gss/mech"
gsstool mechanisms > /dev/null 2>&1 || fail "gsstool after removal"
[ -f /etc/sspi-shim/sspi-shim.conf ] || fail "removing (not purging) deleted the conffile"
dpkg --purge sspi-shim-mechs libsspi-dev libsspi0 > "$debs/purge.log" 2>&1 || { cat "$debs/purge.log"; fail "dpkg --purge"; }
[ ! -e /etc/sspi-shim ] || fail "purging left /etc/sspi-shim"
echo "ok: removing took our lines out of /etc/gss/mech; purging removed /etc/sspi-shim"
IN_ROOT

root=$work/root
mkdir -p "$root"
unshare -m --fork sh -eu -c '
    root=$1 work=$2 top=$3
    mount -t tmpfs tmpfs "$root"
    mkdir -p "$root/upper" "$root/work" "$root/merged"
    mount -t overlay overlay -o "lowerdir=/,upperdir=$root/upper,workdir=$root/work" "$root/merged"
    for d in proc dev sys; do mount --rbind "/$d" "$root/merged/$d"; done
    mkdir -p "$root/merged/debs"
    mount --bind "$work" "$root/merged/debs"
    exec chroot "$root/merged" sh -eu /debs/in-root.sh /debs "$top"
' sh "$root" "$work" "$top"
echo "check-deb: all checks passed"
