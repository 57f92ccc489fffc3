# Shared by tools/test.sh and tools/demo.sh: the Debian 12 packages the
# build, the tests and the demo need, installed with apt-get when missing,
# per GSS-API flavour (heimdal, the default, or mit).
#
# gss-ntlmssp (an MIT GSS-API plugin; it installs beside Heimdal's KDC and
# clients) is common: the MIT build's NTLM acceptor, and on both flavours
# the NTLM inside SPNEGO of tests/credssp_spnego_ntlm_client.py, which runs
# on python3-gssapi (MIT's library); python3-cryptography cross-checks that
# client's reading of the server's TLS key.
#
# The flavours need different KDCs, and Debian's heimdal-kdc conflicts with
# krb5-kdc and krb5-admin-server (and heimdal-clients with krb5-user, whose
# kinit the MIT tests use): install_deps removes the other flavour's KDC and
# client packages before installing this one's.  The development packages
# of both (heimdal-multidev, libkrb5-dev) install side by side and stay.
SSPI_SHIM_DEPS_COMMON="build-essential autoconf automake libtool pkg-config check
libssl-dev curl python3 python3-gssapi faketime mingw-w64-common valgrind
clang libclang-rt-14-dev
apache2 apache2-utils sasl2-bin libsasl2-modules libsasl2-dev python3-requests
freerdp2-x11 freerdp2-shadow-x11 winpr-utils xvfb
libp11-kit-dev softhsm2 opensc openssl
gss-ntlmssp python3-cryptography"
SSPI_SHIM_DEPS_HEIMDAL="heimdal-multidev heimdal-kdc heimdal-clients"
# krb5-pkinit: MIT's PKINIT plugin, which both the MIT client library and
# krb5kdc load for smart-card logons (tests/smartcard.h); Heimdal's PKINIT
# is built into its libraries and kdc.
SSPI_SHIM_DEPS_MIT="libkrb5-dev krb5-kdc krb5-admin-server krb5-user krb5-pkinit"
# The default flavour's list, for callers that print it.
SSPI_SHIM_DEPS="$SSPI_SHIM_DEPS_COMMON $SSPI_SHIM_DEPS_HEIMDAL"

# sspi_shim_deps FLAVOUR: the packages FLAVOUR needs.
sspi_shim_deps() {
    case ${1:-heimdal} in
    heimdal) echo "$SSPI_SHIM_DEPS_COMMON $SSPI_SHIM_DEPS_HEIMDAL" ;;
    mit) echo "$SSPI_SHIM_DEPS_COMMON $SSPI_SHIM_DEPS_MIT" ;;
    *) echo "deps.sh: unknown GSS-API flavour '$1' (heimdal or mit)" >&2; return 1 ;;
    esac
}

# sspi_shim_conflicts FLAVOUR: installed packages that keep FLAVOUR's KDC
# and clients out.
sspi_shim_conflicts() {
    case ${1:-heimdal} in
    heimdal) echo "krb5-kdc krb5-admin-server krb5-user" ;;
    mit) echo "heimdal-kdc heimdal-clients" ;;
    esac
}

sspi_shim_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

# install_deps [FLAVOUR]
install_deps() {
    flavour=${1:-heimdal}
    wanted=$(sspi_shim_deps "$flavour") || return 1
    missing=""
    for p in $wanted; do
        sspi_shim_installed "$p" || missing="$missing $p"
    done
    remove=""
    for p in $(sspi_shim_conflicts "$flavour"); do
        sspi_shim_installed "$p" && remove="$remove $p"
    done
    [ -z "$missing$remove" ] && return 0
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    # The KDC packages' maintainer scripts would start the system's krb5kdc,
    # kadmind or Heimdal kdc (with no database, so kadmind's start fails the
    # install): the tests run their own KDCs, so forbid service starts while
    # installing, unless the machine already has a policy (Docker's does).
    policy=/usr/sbin/policy-rc.d
    own_policy=
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\n# tools/deps.sh: no service starts while installing\nexit 101\n' |
            $sudo tee "$policy" >/dev/null && $sudo chmod 755 "$policy" && own_policy=yes
    fi
    rc=0
    if [ -n "$remove" ]; then
        echo "removing (they conflict with the $flavour KDC):$remove"
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq $remove || rc=$?
    fi
    if [ $rc -eq 0 ] && [ -n "$missing" ]; then
        echo "installing:$missing"
        $sudo apt-get update -qq || rc=$?
        [ $rc -eq 0 ] &&
            { $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
                  --no-install-recommends $missing || rc=$?; }
    fi
    [ -n "$own_policy" ] && $sudo rm -f "$policy"
    return $rc
}
