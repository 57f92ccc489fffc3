#!/bin/sh
# mkrealm.sh - a throwaway Kerberos realm in a directory, for the demo and
# for humans, with Heimdal's KDC or MIT's.  The same layout as tests/realm.c
# (the C harness the tests use).
#
#   tools/mkrealm.sh DIR [REALM]    create the realm in DIR (created if
#                                   missing, must be empty), start its KDC
#                                   on a free 127.0.0.1 port in the
#                                   background; writes DIR/env.sh, DIR/kdc.pid
#   tools/mkrealm.sh --stop DIR     stop that KDC (DIR is left for reading;
#                                   rm -rf it when done)
#   tools/mkrealm.sh --which        print the flavour and the KDC program a
#                                   realm would run ("mit /usr/sbin/krb5kdc");
#                                   exit 1, saying why, when there is none
#
# Then:  . DIR/env.sh && sspi_kinit alice@REALM PASSWORD-FILE
#        (passwords in DIR/passwords; sspi_kinit runs the flavour's kinit)
#
# The KDC flavour: $GSS_FLAVOUR (heimdal or mit; `make check` exports the
# flavour the project was configured with), else Heimdal's when its kdc is
# installed, else MIT's.  Debian's heimdal-kdc and krb5-kdc conflict, so a
# machine has one or the other.
#
# Principals: alice and bob (passwords below, pre-auth required),
# HTTP/localhost and host/localhost (random keys, in DIR/service.keytab);
# Heimdal also digest/REALM and host/<hostname> with allow-digest (in the
# keytab), which its NTLM acceptor needs (docs/ntlm.md).
# Programs: $HEIMDAL_KDC, $HEIMDAL_KADMIN, $HEIMDAL_KINIT, or $MIT_KRB5KDC,
# $MIT_KDB5_UTIL, $MIT_KADMIN_LOCAL, $MIT_KINIT override the Debian
# defaults (MIT programs unpacked outside /usr load the database module from
# their own prefix, or from $TEST_REALM_MIT_DB_MODULE_DIR).  Nothing outside
# DIR is written and no Kerberos configuration outside DIR is read:
# Heimdal's kdc and kadmin get KRB5_CONFIG=DIR/kdc.conf; MIT's krb5kdc,
# kdb5_util and kadmin.local get KRB5_CONFIG=DIR/krb5.conf and
# KRB5_KDC_PROFILE=DIR/kdc.conf, which puts the database, the stash, the
# ACL and the logs in DIR (and krb5kdc -P its pid file).
set -eu

ALICE_PASSWORD='alice-Secret-1'     # = TEST_REALM_ALICE_PASSWORD in tests/realm.h
BOB_PASSWORD='bob-Secret-2'         # = TEST_REALM_BOB_PASSWORD
MIT_MASTER_PASSWORD='sspi-realm-master-key'   # stashed; never asked again

die() { echo "mkrealm: $*" >&2; exit 1; }
usage() {
    echo "usage: $0 DIR [REALM] | $0 --stop DIR | $0 --which" >&2
    exit 2
}

find_prog() {   # find_prog VALUE-OR-EMPTY CANDIDATE...
    if [ -n "$1" ]; then
        command -v "$1" 2>/dev/null || die "cannot run '$1'"
        return
    fi
    shift
    for c in "$@"; do
        if command -v "$c" >/dev/null 2>&1; then command -v "$c"; return; fi
    done
    if [ "$FLAVOUR" = mit ]; then
        die "none of '$*' found (install krb5-kdc / krb5-admin-server / krb5-user)"
    fi
    die "none of '$*' found (install heimdal-kdc / heimdal-clients)"
}

# MIT's kinit: $MIT_KINIT, kinit.mit, else a kinit that is not Heimdal's
# (Debian's krb5-user installs it as /usr/bin/kinit; with heimdal-clients
# installed instead, that is an alternatives link to kinit.heimdal).
find_mit_kinit() {
    if [ -n "${MIT_KINIT:-}" ]; then find_prog "$MIT_KINIT"; return; fi
    for c in kinit.mit /usr/bin/kinit kinit; do
        p=$(command -v "$c" 2>/dev/null) || continue
        "$p" --version 2>&1 | grep -qi heimdal && continue
        echo "$p"
        return
    done
    die "no MIT kinit found (install krb5-user)"
}

heimdal_kdc_path() {
    if [ -n "${HEIMDAL_KDC:-}" ]; then command -v "$HEIMDAL_KDC" 2>/dev/null; return; fi
    for c in /usr/lib/heimdal-servers/kdc /usr/libexec/kdc; do
        if [ -x "$c" ]; then echo "$c"; return 0; fi
    done
    return 1
}

mit_kdc_path() {
    if [ -n "${MIT_KRB5KDC:-}" ]; then command -v "$MIT_KRB5KDC" 2>/dev/null; return; fi
    if [ -x /usr/sbin/krb5kdc ]; then echo /usr/sbin/krb5kdc; return 0; fi
    command -v krb5kdc 2>/dev/null
}

choose_flavour() {
    case ${GSS_FLAVOUR:-} in
    heimdal|mit) FLAVOUR=$GSS_FLAVOUR ;;
    '') if heimdal_kdc_path >/dev/null; then FLAVOUR=heimdal
        elif mit_kdc_path >/dev/null; then FLAVOUR=mit
        else FLAVOUR=heimdal
        fi ;;
    *) die "GSS_FLAVOUR must be heimdal or mit, not '$GSS_FLAVOUR'" ;;
    esac
}

kdc_alive() {   # kdc_alive PID DIR: is PID our KDC for DIR?
    # Its command line names a file in DIR: Heimdal's --config-file=DIR/kdc.conf,
    # MIT's -P DIR/krb5kdc.pid.
    [ -r "/proc/$1/cmdline" ] || return 1
    tr '\0' ' ' < "/proc/$1/cmdline" | grep -qF -- "$2/"
}

stop_realm() {
    dir=$1
    [ -f "$dir/kdc.pid" ] || { echo "mkrealm: no kdc.pid in $dir (not running)" >&2; return 0; }
    pid=$(cat "$dir/kdc.pid")
    case $pid in ''|*[!0-9]*) die "bad pid in $dir/kdc.pid" ;; esac
    if kdc_alive "$pid" "$dir"; then
        kill -TERM "$pid" 2>/dev/null || true
        i=0
        while kdc_alive "$pid" "$dir" && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
        if kdc_alive "$pid" "$dir"; then kill -KILL "$pid" 2>/dev/null || true; fi
    fi
    rm -f "$dir/kdc.pid"
    echo "mkrealm: stopped kdc $pid"
}

tcp_listening() {   # bash's /dev/tcp is not in every sh: use it via bash if present
    if command -v bash >/dev/null 2>&1; then
        bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
    else
        return 1
    fi
}

write_client_conf() {   # write_client_conf FILE
    cat > "$1" <<EOF
# Generated by tools/mkrealm.sh for a throwaway test realm.
# Read by Heimdal and by MIT krb5 (curl, python3-gssapi).
[libdefaults]
	default_realm = $REALM
	dns_lookup_kdc = false
	dns_lookup_realm = false
	dns_canonicalize_hostname = false
	rdns = false
	forwardable = true
	kdc_timeout = 1
	default_ccache_name = FILE:$DIR/ccache
	default_cc_name = FILE:$DIR/ccache
	default_keytab_name = FILE:$DIR/service.keytab
	default_client_keytab_name = FILE:$DIR/client.keytab

[realms]
	$REALM = {
		kdc = 127.0.0.1:$PORT
	}

[domain_realm]
	localhost = $REALM
	.localhost = $REALM
EOF
}

write_heimdal_kdc_conf() {
    write_client_conf "$DIR/kdc.conf"
    cat >> "$DIR/kdc.conf" <<EOF

[kdc]
	database = {
		realm = $REALM
		dbname = $DIR/heimdal
		mkey_file = $DIR/m-key
		acl_file = $DIR/kadmind.acl
		log_file = $DIR/iprop.log
	}
	addresses = 127.0.0.1
	num-kdc-processes = 1
	require-preauth = true
	detach = false
	# The digest service Heimdal's NTLM acceptor verifies through
	# (docs/ntlm.md): the database above names its realm so that the
	# service finds it (lib/hdb/keytab.c find_db)
	enable-digest = true
	digests_allowed = ntlm-v2, ntlm-v1-session, ntlm-v1

[kadmin]
	default_keys = aes256-cts-hmac-sha1-96:pw-salt aes128-cts-hmac-sha1-96:pw-salt arcfour-hmac-md5:pw-salt

[logging]
	kdc = FILE:$DIR/kdc.log
	kadmin = FILE:$DIR/kadmin.log
	default = FILE:$DIR/krb5.log
EOF
}

# MIT: the KDC's own sections only; krb5.conf (its KRB5_CONFIG) has the rest
# (one file as both would double every [logging] line).
write_mit_kdc_conf() {
    cat > "$DIR/kdc.conf" <<EOF
# Generated by tools/mkrealm.sh: the MIT KDC side of a throwaway realm.
# krb5kdc, kdb5_util and kadmin.local read it as KRB5_KDC_PROFILE,
# with KRB5_CONFIG=$DIR/krb5.conf.
[libdefaults]
	# Debian 12's krb5kdc refuses rc4-hmac session keys without it (Heimdal's
	# KDC issues them)
	allow_rc4 = true

[realms]
	$REALM = {
		database_name = $DIR/principal
		key_stash_file = $DIR/stash
		acl_file = $DIR/kadm5.acl
		kdc_listen = 127.0.0.1:$PORT
		kdc_tcp_listen = 127.0.0.1:$PORT
		max_life = 1d
		max_renewable_life = 7d
		default_principal_flags = +preauth
		supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal arcfour-hmac:normal
	}
EOF
    if [ -n "$DB_MODULE_DIR" ]; then
        printf '\n[dbmodules]\n\tdb_module_dir = %s\n' "$DB_MODULE_DIR" >> "$DIR/kdc.conf"
    fi
    cat >> "$DIR/kdc.conf" <<EOF

[logging]
	kdc = FILE:$DIR/kdc.log
	admin_server = FILE:$DIR/kadmin.log
	default = FILE:$DIR/krb5.log
EOF
}

kadmin_l() {
    HEIM_PIDFILE_DIR="$DIR/heimdal-" KRB5_CONFIG="$DIR/kdc.conf" KRB5CCNAME="FILE:$DIR/ccache" \
        "$KADMIN" -l --config-file="$DIR/kdc.conf" "$@"
}

mit_env() {
    KRB5_CONFIG="$DIR/krb5.conf" KRB5_KDC_PROFILE="$DIR/kdc.conf" \
        KRB5CCNAME="FILE:$DIR/ccache" KRB5RCACHEDIR="$DIR" "$@"
}

# One command per run: script mode exits non-zero when the command failed.
kadmin_local() {
    mit_env "$KADMIN" -r "$REALM" "$@"
}

# The database and the principals, before the KDC starts.
init_realm() {
    if [ "$FLAVOUR" = mit ]; then
        mit_env "$KDB5_UTIL" -r "$REALM" create -s -P "$MIT_MASTER_PASSWORD" >/dev/null
        kadmin_local addprinc +requires_preauth -pw "$ALICE_PASSWORD" alice >/dev/null
        kadmin_local addprinc +requires_preauth -pw "$BOB_PASSWORD" bob >/dev/null
        kadmin_local addprinc -randkey HTTP/localhost >/dev/null
        kadmin_local addprinc -randkey host/localhost >/dev/null
        # -norandkey (kadmin.local only): the current keys, as Heimdal's ext_keytab
        kadmin_local ktadd -k "$DIR/service.keytab" -norandkey HTTP/localhost host/localhost \
            >/dev/null
        return
    fi
    kadmin_l init --realm-max-ticket-life="1 day" \
        --realm-max-renewable-life="1 week" "$REALM"
    kadmin_l add --password="$ALICE_PASSWORD" --use-defaults alice
    kadmin_l add --password="$BOB_PASSWORD" --use-defaults bob
    kadmin_l modify --attributes=+requires-pre-auth alice
    kadmin_l modify --attributes=+requires-pre-auth bob
    kadmin_l add --random-key --use-defaults HTTP/localhost host/localhost
    kadmin_l ext_keytab --keytab="$DIR/service.keytab" HTTP/localhost host/localhost
    # Heimdal's NTLM acceptor asks the KDC's digest service (digest/REALM)
    # with the key of host/<this host's name> (lib/gssapi/ntlm/kdc.c)
    ntlm_host=$(hostname | tr '[:upper:]' '[:lower:]')
    kadmin_l add --random-key --use-defaults "digest/$REALM@$REALM"
    if [ "$ntlm_host" != localhost ]; then
        kadmin_l add --random-key --use-defaults "host/$ntlm_host"
        kadmin_l ext_keytab --keytab="$DIR/service.keytab" "host/$ntlm_host"
    fi
    kadmin_l modify --attributes=+allow-digest "host/$ntlm_host"
}

# Start the KDC on $PORT in the background; its pid in $pid.
# setsid: own session and process group, so the shell's signals leave it
# alone; without job control the background job is no group leader, so
# setsid execs the KDC directly and $! is the KDC's pid.
spawn_kdc() {
    : > "$DIR/kdc.log"
    if [ "$FLAVOUR" = mit ]; then
        # -n: in the foreground; -P: its pid file in DIR (none by default).
        # A simple command (not the mit_env function, which would run in a
        # subshell): env and setsid exec, so $! is the KDC's pid.
        KRB5_CONFIG="$DIR/krb5.conf" KRB5_KDC_PROFILE="$DIR/kdc.conf" \
        KRB5CCNAME="FILE:$DIR/ccache" KRB5RCACHEDIR="$DIR" \
            setsid "$KDC" -n -r "$REALM" -P "$DIR/krb5kdc.pid" \
            </dev/null >>"$DIR/kdc.out" 2>&1 &
        pid=$!
        return
    fi
    # HEIM_PIDFILE_DIR: the kdc writes ${HEIM_PIDFILE_DIR}kdc.pid, by default
    # /var/run/kdc.pid; here DIR/heimdal-kdc.pid (kdc.pid is ours).
    HEIM_PIDFILE_DIR="$DIR/heimdal-" \
    KRB5_CONFIG="$DIR/kdc.conf" KRB5CCNAME="FILE:$DIR/ccache" \
        setsid "$KDC" --config-file="$DIR/kdc.conf" --ports="$PORT" \
        --addresses=127.0.0.1 --testing </dev/null >>"$DIR/kdc.out" 2>&1 &
    pid=$!
}

# Has the KDC bound both sockets?  Heimdal logs each one; MIT logs
# "commencing operation" once all are bound (and exits if one cannot be).
kdc_bound() {
    if [ "$FLAVOUR" = mit ]; then
        grep -q "commencing operation" "$DIR/kdc.log" 2>/dev/null && tcp_listening "$PORT"
        return
    fi
    grep -q "port $PORT/udp" "$DIR/kdc.log" 2>/dev/null &&
        grep -q "port $PORT/tcp" "$DIR/kdc.log" 2>/dev/null && tcp_listening "$PORT"
}

[ $# -ge 1 ] || usage
choose_flavour
if [ "$1" = "--which" ]; then
    [ $# -eq 1 ] || usage
    if [ "$FLAVOUR" = mit ]; then
        p=$(mit_kdc_path) ||
            die "no MIT KDC (krb5kdc) found (Debian: apt-get install krb5-kdc krb5-admin-server)"
    else
        p=$(heimdal_kdc_path) ||
            die "no Heimdal KDC found (Debian: apt-get install heimdal-kdc)"
    fi
    echo "$FLAVOUR $p"
    exit 0
fi
if [ "$1" = "--stop" ]; then
    [ $# -eq 2 ] || usage
    DIR=$(cd "$2" 2>/dev/null && pwd) || die "no directory $2"
    stop_realm "$DIR"
    exit 0
fi
case $1 in -*) usage ;; esac
[ $# -le 2 ] || usage

REALM=${2:-SSPI.TEST}
case $REALM in ''|*[!A-Za-z0-9._-]*) die "invalid realm name '$REALM'" ;; esac

mkdir -p "$1"
DIR=$(cd "$1" && pwd)
if [ -f "$DIR/kdc.pid" ] && kdc_alive "$(cat "$DIR/kdc.pid")" "$DIR"; then
    die "a kdc is already running for $DIR (use --stop first)"
fi
[ -z "$(ls -A "$DIR")" ] || die "$DIR is not empty"

DB_MODULE_DIR=
if [ "$FLAVOUR" = mit ]; then
    KDC=$(find_prog "${MIT_KRB5KDC:-}" /usr/sbin/krb5kdc krb5kdc)
    KDB5_UTIL=$(find_prog "${MIT_KDB5_UTIL:-}" /usr/sbin/kdb5_util kdb5_util)
    KADMIN=$(find_prog "${MIT_KADMIN_LOCAL:-}" /usr/sbin/kadmin.local kadmin.local)
    KINIT=$(find_mit_kinit)
    # KDC programs unpacked into PREFIX/usr/sbin: PREFIX's db2 module
    DB_MODULE_DIR=${TEST_REALM_MIT_DB_MODULE_DIR:-}
    case $KDC in
    /usr/sbin/krb5kdc) ;;
    */sbin/krb5kdc)
        if [ -z "$DB_MODULE_DIR" ]; then
            for m in "${KDC%/sbin/krb5kdc}"/lib/*/krb5/plugins/kdb/db2.so; do
                if [ -f "$m" ]; then DB_MODULE_DIR=${m%/db2.so}; fi
                break
            done
        fi ;;
    esac
    : > "$DIR/kadm5.acl"
else
    KDC=$(find_prog "${HEIMDAL_KDC:-}" /usr/lib/heimdal-servers/kdc /usr/libexec/kdc kdc)
    KADMIN=$(find_prog "${HEIMDAL_KADMIN:-}" kadmin.heimdal kadmin)
    KINIT=$(find_prog "${HEIMDAL_KINIT:-}" kinit.heimdal kinit)
    : > "$DIR/kadmind.acl"
fi
chmod 700 "$DIR"

# Pick a port, start the KDC, check it bound both TCP and UDP; retry on a race.
started=
for try in 1 2 3 4 5 6 7 8 9 10; do
    PORT=$(( 20000 + ( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000 ) ))
    tcp_listening "$PORT" && continue
    write_client_conf "$DIR/krb5.conf"
    if [ "$FLAVOUR" = mit ]; then write_mit_kdc_conf; else write_heimdal_kdc_conf; fi
    if [ "$try" = 1 ]; then
        init_realm
    fi
    spawn_kdc
    i=0
    while [ $i -lt 100 ]; do
        if ! kill -0 "$pid" 2>/dev/null; then break; fi
        if kdc_bound; then break; fi
        sleep 0.05; i=$((i + 1))
    done
    if kill -0 "$pid" 2>/dev/null && kdc_bound; then
        started=$pid
        break
    fi
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
done
[ -n "$started" ] || die "could not start the $FLAVOUR KDC (see $DIR/kdc.log, $DIR/kdc.out)"
echo "$started" > "$DIR/kdc.pid"

cat > "$DIR/env.sh" <<EOF
# . this file to use the realm $REALM in $DIR
export KRB5_CONFIG='$DIR/krb5.conf'
export KRB5_KDC_PROFILE='$DIR/kdc.conf'
export KRB5_KTNAME='FILE:$DIR/service.keytab'
export KRB5CCNAME='FILE:$DIR/ccache'
export KRB5RCACHEDIR='$DIR'
unset KRB5_CLIENT_KTNAME
export SSPI_REALM='$REALM'
export SSPI_REALM_DIR='$DIR'
export SSPI_KDC_PORT='$PORT'
export SSPI_KDC_FLAVOUR='$FLAVOUR'
export SSPI_KINIT='$KINIT'
EOF
if [ "$FLAVOUR" = mit ]; then
    cat >> "$DIR/env.sh" <<'EOF'
# sspi_kinit PRINCIPAL PASSWORD-FILE: a TGT into $KRB5CCNAME (MIT's kinit
# has no password-file option; it reads stdin when that is no terminal)
sspi_kinit() { "$SSPI_KINIT" "$1" < "$2"; }
EOF
else
    cat >> "$DIR/env.sh" <<'EOF'
# sspi_kinit PRINCIPAL PASSWORD-FILE: a TGT into $KRB5CCNAME
sspi_kinit() { "$SSPI_KINIT" --password-file="$2" "$1"; }
EOF
fi
cat > "$DIR/passwords" <<EOF
alice@$REALM $ALICE_PASSWORD
bob@$REALM $BOB_PASSWORD
EOF
chmod 600 "$DIR/passwords"

echo "mkrealm: realm $REALM, $FLAVOUR KDC pid $started on 127.0.0.1:$PORT"
echo "mkrealm: . $DIR/env.sh; stop with: $0 --stop $DIR"
