#!/bin/sh
# Installs the terrane binary for this machine from a release:
#
#   curl -fsSL https://github.com/terrane/terrane/releases/latest/download/install.sh | sh
#
# It picks the archive for this OS and CPU (Linux or macOS, x86_64 or arm64), checks it
# against the release's SHA256SUMS (a mismatch installs nothing), and puts `terrane` in
# $TERRANE_INSTALL_DIR: by default /usr/local/bin when writable, else ~/.local/bin.
# TERRANE_VERSION picks a release (default: the latest); TERRANE_RELEASES points at another
# release location (a mirror, or file:///path/to/dist to install a local build);
# TERRANE_TARGET names another archive's target triple (x86_64-unknown-linux-gnu, say).
set -eu

releases="${TERRANE_RELEASES:-https://github.com/terrane/terrane/releases}"
version="${TERRANE_VERSION:-latest}"

fail() {
  echo "terrane install: $*" >&2
  exit 1
}

case "$(uname -s)" in
  Linux) os=unknown-linux-musl ;;
  Darwin) os=apple-darwin ;;
  *) fail "no terrane release for $(uname -s); build from source with cargo" ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) cpu=x86_64 ;;
  aarch64 | arm64) cpu=aarch64 ;;
  *) fail "no terrane release for $(uname -m); build from source with cargo" ;;
esac
target="${TERRANE_TARGET:-$cpu-$os}"
archive="terrane-$target.tar.gz"

case "$releases" in
  file://*) base="$releases" ;;
  *) if [ "$version" = latest ]; then
       base="$releases/latest/download"
     else
       base="$releases/download/v${version#v}"
     fi ;;
esac

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "Downloading $archive from $base"
curl -fsSL -o "$tmp/$archive" "$base/$archive" || fail "could not download $base/$archive"
curl -fsSL -o "$tmp/SHA256SUMS" "$base/SHA256SUMS" || fail "could not download $base/SHA256SUMS"

expected="$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1 }' "$tmp/SHA256SUMS")"
[ -n "$expected" ] || fail "SHA256SUMS lists no $archive"
if command -v sha256sum >/dev/null 2>&1; then
  actual="$(sha256sum "$tmp/$archive" | awk '{ print $1 }')"
else
  actual="$(shasum -a 256 "$tmp/$archive" | awk '{ print $1 }')"
fi
[ "$actual" = "$expected" ] || fail "checksum mismatch for $archive: got $actual, SHA256SUMS says $expected"

tar -xzf "$tmp/$archive" -C "$tmp" terrane
dir="${TERRANE_INSTALL_DIR:-}"
if [ -z "$dir" ]; then
  if [ -w /usr/local/bin ]; then dir=/usr/local/bin; else dir="$HOME/.local/bin"; fi
fi
mkdir -p "$dir"
install -m 0755 "$tmp/terrane" "$dir/terrane"
echo "Installed $("$dir/terrane" version | head -n 1) to $dir/terrane"
case ":$PATH:" in
  *":$dir:"*) ;;
  *) echo "Add $dir to your PATH to run terrane." ;;
esac
