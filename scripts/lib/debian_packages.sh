# Sourced by scripts/setup.sh and scripts/fuzz.sh: installs the Debian packages that are
# missing (as root), or says which to install and exits 2.
#   ensure_debian_packages PREFIX PACKAGE...     (PREFIX names the script in messages)
ensure_debian_packages() {
  local prefix=$1
  shift
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "$prefix: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "$prefix: missing Debian packages: ${missing[*]}" >&2
    echo "$prefix: install them with: sudo apt-get install ${missing[*]}" >&2
    exit 2
  fi
}
