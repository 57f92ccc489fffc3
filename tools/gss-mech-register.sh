#!/bin/sh
# gss-mech-register: adds our mechanisms' lines to a GSS mechanism file, or
# removes them, keeping every other line as it was.
#
#   gss-mech-register add FILE [--root DIR] [--lines LIST] ['NAME OID MODULE OPTIONS'...]
#   gss-mech-register remove FILE [--lines LIST] [NAME...]
#
# LIST is a file of such lines (blank lines and # comments skipped): the
# installed $(pkgdatadir)/gss-mech.lines, so that `make install` and the
# Debian maintainer scripts register the same lines.
# FILE is Heimdal's /etc/gss/mech (the only file Heimdal 7.8 reads) or an
# MIT mech.d file.  `add` replaces any line of the same NAME, so running it
# twice leaves one line each; it refuses (exit 1, FILE untouched) a line
# whose MODULE does not exist under DIR (default /), because Heimdal
# crashes in gss_indicate_mechs on an entry whose library is missing
# (DESIGN.md).  `remove` deletes the NAMEs' lines, and the file itself
# when nothing at all is left (a file we created).  FILE is replaced atomically
# (a temporary file renamed over it) with its mode kept.  Used by `make
# install`/`make uninstall` and by the Debian maintainer scripts.
set -eu

usage() {
    echo "usage: gss-mech-register add FILE [--root DIR] [--lines LIST] ['NAME OID MODULE OPTIONS'...]" >&2
    echo "       gss-mech-register remove FILE [--lines LIST] [NAME...]" >&2
    exit 2
}

[ $# -ge 2 ] || usage
action=$1 file=$2
shift 2
root= list=
while [ $# -ge 1 ]; do
    case $1 in
    --root) [ $# -ge 2 ] || usage; root=${2%/}; shift 2 ;;
    --lines) [ $# -ge 2 ] || usage; list=$2; shift 2 ;;
    *) break ;;
    esac
done
if [ -n "$list" ]; then
    [ -r "$list" ] || { echo "gss-mech-register: cannot read $list" >&2; exit 2; }
    # The list's lines (or, to remove, their names) join the arguments.
    while read -r l_name l_rest; do
        case $l_name in ''|'#'*) continue ;; esac
        if [ "$action" = add ]; then set -- "$@" "$l_name $l_rest"; else set -- "$@" "$l_name"; fi
    done < "$list"
fi
[ $# -ge 1 ] || usage

dir=$(dirname "$file")
mkdir -p "$dir"
tmp=$(mktemp "$dir/.gss-mech.XXXXXX")
lines=$(mktemp)
trap 'rm -f "$tmp" "$lines"' EXIT

# The names whose lines go, and for `add` the new lines, each checked.
names=
case $action in
add)
    for line in "$@"; do
        printf '%s\n' "$line" | {
            read -r name oid module options extra || true
            if [ -z "${options:-}" ] || [ -n "${extra:-}" ]; then
                echo "gss-mech-register: '$line' is not 'NAME OID MODULE OPTIONS'" >&2
                exit 2
            fi
            case $module in
            /*) ;;
            *) echo "gss-mech-register: $name: module path must be absolute: $module" >&2; exit 2 ;;
            esac
            if [ ! -f "$root$module" ]; then
                echo "gss-mech-register: $name: $root$module does not exist; not registered" >&2
                exit 1
            fi
            printf '%s %s %s %s\n' "$name" "$oid" "$module" "$options"
        } >> "$lines" || exit $?
        names="$names ${line%%[[:space:]]*}"
    done
    ;;
remove)
    names=$*
    ;;
*)
    usage
    ;;
esac

# Keep every line whose first field is none of the names.
if [ -f "$file" ]; then
    awk -v names="$names" '
        BEGIN { n = split(names, list, " "); for (i = 1; i <= n; i++) drop[list[i]] = 1 }
        !($1 in drop) { print }
    ' "$file" > "$tmp"
    chmod --reference="$file" "$tmp"
else
    chmod 0644 "$tmp"
fi
cat "$lines" >> "$tmp"
if [ "$action" = remove ] && ! grep -q '[^[:space:]]' "$tmp"; then
    rm -f "$file"
    exit 0
fi
mv -f "$tmp" "$file"
