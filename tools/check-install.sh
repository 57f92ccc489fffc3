#!/bin/sh
# tools/check-install.sh STAGE [FLAVOUR]: checks what `make install
# DESTDIR=STAGE` registered with the GSS library.  Every line of the
# installed gss/mech.d/sspi-shim.conf must be `name oid module -` with the
# module present in STAGE and exporting the gss_* names mechglue requires.
# For an MIT build (FLAVOUR mit), each module must also load in a GSS-API
# program we did not write: python3-gssapi (MIT's libgssapi_krb5), pointed
# at the staged lines through GSS_MECH_CONFIG, must list its OID.  (A
# module is built for one flavour; loading a Heimdal-built module into
# MIT's mechglue is not supported: it crashed when tried.)
set -eu
stage=${1:?usage: check-install.sh STAGE [heimdal|mit]}
flavour=${2:-heimdal}
conf=$(find "$stage" -path '*/gss/mech.d/sspi-shim.conf' | head -n1)
[ -n "$conf" ] || { echo "no gss/mech.d/sspi-shim.conf under $stage"; exit 1; }
echo "registration: $conf"
cat "$conf"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
while read -r name oid module options extra; do
    case $name in ''|'#'*) continue ;; esac
    [ "$options" = "-" ] && [ -z "${extra:-}" ] || { echo "bad line for $name"; exit 1; }
    case $module in /*) ;; *) echo "$name: module path not absolute: $module"; exit 1 ;; esac
    [ -f "$stage$module" ] || { echo "$name: $module not installed"; exit 1; }
    for sym in acquire_cred release_cred init_sec_context accept_sec_context \
               process_context_token delete_sec_context context_time get_mic verify_mic \
               wrap unwrap display_status indicate_mechs compare_name display_name \
               import_name export_name release_name inquire_cred inquire_context \
               wrap_size_limit add_cred inquire_cred_by_mech export_sec_context \
               import_sec_context inquire_names_for_mech inquire_mechs_for_name \
               canonicalize_name duplicate_name; do
        nm -D --defined-only "$stage$module" | grep -q " T gss_$sym\$" ||
            { echo "$name: $module does not export gss_$sym"; exit 1; }
    done
    echo "$name $oid $stage$module -" >> "$tmp/mech"
    n=$((n + 1))
done < "$conf"
[ "$n" -gt 0 ] || { echo "no mechanism registered"; exit 1; }
echo "ok: $n mechanism line(s), modules present, the 29 mandatory gss_* names exported"
[ "$flavour" = mit ] || exit 0
py=/usr/bin/python3   # Debian's, which has python3-gssapi (not a pyenv one)
[ -x "$py" ] || py=$(command -v python3) || { echo "python3 missing"; exit 1; }
GSS_MECH_CONFIG=$tmp/mech "$py" - "$tmp/mech" <<'PY'
import sys
import gssapi.raw as gr
want = [l.split()[1] for l in open(sys.argv[1]) if l.strip()]
have = {m.dotted_form for m in gr.indicate_mechs()}
missing = [o for o in want if o not in have]
print("mechanisms listed by MIT's mechglue:", sorted(have))
sys.exit("not loaded: %s" % missing if missing else 0)
PY
echo "ok: $n mechanism(s) registered and loadable"
