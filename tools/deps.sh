# Shared by tools/test.sh and tools/demo.sh: the Debian 12 packages the
# build, the tests and the demo need, installed with apt-get when missing.
SSPI_SHIM_DEPS="build-essential autoconf automake libtool pkg-config check
heimdal-multidev heimdal-kdc heimdal-clients libssl-dev curl python3
python3-gssapi faketime mingw-w64-common"

install_deps() {
    missing=""
    for p in $SSPI_SHIM_DEPS; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
            || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    echo "installing:$missing"
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
}
