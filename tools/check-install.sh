#!/bin/sh
# tools/check-install.sh BUILDDIR [heimdal|mit]: the install and uninstall
# cycle of a configured build, staged with DESTDIR (never the real /etc):
#
#  1. a registration file of another package is already there (Heimdal:
#     a foreign line in gss/mech);
#  2. `make install` twice: every line of ours is `name oid module -` with
#     the module present and exporting the gss_* names mechglue requires,
#     once each; the foreign line is kept;
#  3. the GSS library loads the modules from the installed registration,
#     through a program we did not write: Heimdal's `gsstool mechanisms`
#     in a user+mount namespace where the staged gss/ and module directory
#     are bound over the system's; MIT's mechglue through python3-gssapi
#     and GSS_MECH_CONFIG.  (A module is built for one flavour.)
#  4. `make uninstall`: our lines are gone, the foreign line stays, and no
#     file of ours is left in the stage.
set -eu
builddir=${1:?usage: check-install.sh BUILDDIR [heimdal|mit]}
flavour=${2:-heimdal}
builddir=$(cd "$builddir" && pwd)
stage=$(mktemp -d)
tmp=$(mktemp -d)
trap 'rm -rf "$stage" "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

sysconfdir=$(make -s --no-print-directory -C "$builddir" print-sysconfdir 2>/dev/null) ||
    fail "cannot ask $builddir for its sysconfdir"
case $flavour in
heimdal) conf=$stage$sysconfdir/gss/mech ;;
mit) conf=$stage$sysconfdir/gss/mech.d/sspi-shim.conf ;;
*) fail "flavour must be heimdal or mit" ;;
esac
foreign="other_mech 1.2.3.4.5 /usr/lib/other/other_mech.so -"
if [ "$flavour" = heimdal ]; then
    mkdir -p "$(dirname "$conf")"
    printf '# kept by another package\n%s\n' "$foreign" > "$conf"
fi

make -s -C "$builddir" install DESTDIR="$stage" > "$tmp/install1.log" 2>&1 ||
    { cat "$tmp/install1.log"; fail "make install"; }
make -s -C "$builddir" install DESTDIR="$stage" > "$tmp/install2.log" 2>&1 ||
    { cat "$tmp/install2.log"; fail "make install (second time)"; }
[ -f "$conf" ] || fail "no registration file $conf"
echo "registration: $conf"
cat "$conf"

n=0
for name in sspi_shim_digest sspi_shim_credssp; do
    count=$(awk -v n="$name" '$1 == n' "$conf" | wc -l)
    [ "$count" -eq 1 ] || fail "$name registered $count times after two installs"
done
if [ "$flavour" = heimdal ]; then
    grep -qxF "$foreign" "$conf" || fail "the other package's line was lost"
fi
: > "$tmp/mech"
while read -r name oid module options extra; do
    case $name in ''|'#'*|other_mech) continue ;; esac
    [ "$options" = "-" ] && [ -z "${extra:-}" ] || fail "bad line for $name"
    case $module in /*) ;; *) fail "$name: module path not absolute: $module" ;; esac
    [ -f "$stage$module" ] || fail "$name: $module not installed"
    for sym in acquire_cred release_cred init_sec_context accept_sec_context \
               process_context_token delete_sec_context context_time get_mic verify_mic \
               wrap unwrap display_status indicate_mechs compare_name display_name \
               import_name export_name release_name inquire_cred inquire_context \
               wrap_size_limit add_cred inquire_cred_by_mech export_sec_context \
               import_sec_context inquire_names_for_mech inquire_mechs_for_name \
               canonicalize_name duplicate_name; do
        nm -D --defined-only "$stage$module" | grep -q " T gss_$sym\$" ||
            fail "$name: $module does not export gss_$sym"
    done
    echo "$name $oid $stage$module -" >> "$tmp/mech"
    echo "$oid" >> "$tmp/oids"
    moddir=$(dirname "$module")
    n=$((n + 1))
done < "$conf"
[ "$n" -eq 2 ] || fail "$n mechanism lines, expected 2"
echo "ok: $n mechanism lines once each, modules present, the 29 mandatory gss_* names exported"

if [ "$flavour" = heimdal ]; then
    command -v gsstool > /dev/null || fail "gsstool missing (heimdal-clients)"
    # The nearest existing ancestor of the module directory on this host
    # gets the stage's copy; gss/ too.  Our modules only: the foreign line
    # would name a library that does not exist.
    bind=$moddir
    while [ ! -d "$bind" ]; do bind=$(dirname "$bind"); done
    grep -v '^other_mech' "$conf" > "$tmp/mech-ours"
    unshare -Urm sh -c '
        mkdir -p "$1/gss-etc" && cp "$2" "$1/gss-etc/mech" &&
        mount --bind "$3$4" "$4" && mount --bind "$1/gss-etc" /etc/gss &&
        gsstool mechanisms' sh "$tmp" "$tmp/mech-ours" "$stage" "$bind" > "$tmp/gsstool.out" 2>&1 ||
        { cat "$tmp/gsstool.out"; fail "gsstool mechanisms in a namespace"; }
    cat "$tmp/gsstool.out"
    while read -r oid; do
        spaced=$(echo "$oid" | tr . ' ')
        grep -q "^$spaced " "$tmp/gsstool.out" || fail "Heimdal did not load $oid"
    done < "$tmp/oids"
    echo "ok: Heimdal's gsstool lists both mechanisms from the installed registration"
else
    py=/usr/bin/python3   # Debian's, which has python3-gssapi (not a pyenv one)
    [ -x "$py" ] || py=$(command -v python3) || fail "python3 missing"
    GSS_MECH_CONFIG=$tmp/mech "$py" - "$tmp/mech" <<'PY' || fail "MIT's mechglue did not load them"
import sys
import gssapi.raw as gr
want = [l.split()[1] for l in open(sys.argv[1]) if l.strip()]
have = {m.dotted_form for m in gr.indicate_mechs()}
missing = [o for o in want if o not in have]
print("mechanisms listed by MIT's mechglue:", sorted(have))
sys.exit("not loaded: %s" % missing if missing else 0)
PY
    echo "ok: MIT's mechglue (python3-gssapi) loads both mechanisms"
fi

make -s -C "$builddir" uninstall DESTDIR="$stage" > "$tmp/uninstall.log" 2>&1 ||
    { cat "$tmp/uninstall.log"; fail "make uninstall"; }
if [ "$flavour" = heimdal ]; then
    [ -f "$conf" ] || fail "uninstall removed the other package's file"
    grep -q sspi_shim "$conf" && fail "our lines are still in $conf"
    grep -qxF "$foreign" "$conf" || fail "uninstall lost the other package's line"
    rm -f "$conf"
fi
left=$(find "$stage" -type f)
[ -z "$left" ] || fail "files left after make uninstall: $left"
echo "ok: make uninstall removed our lines and files, kept the other package's"
