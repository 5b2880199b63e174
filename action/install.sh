#!/usr/bin/env bash
# Installs aimsc from a release of the repository the action was taken from, for the runner's
# OS and architecture, after checking the archive against the release's SHA256SUMS. Run by
# action.yml; runs the same outside GitHub, which is how tests/tools/check-distribution tests it.
#
# Environment:
#   AIMSC_VERSION            `latest`, `vX.Y.Z` or `X.Y.Z`; empty: AIMSC_ACTION_REF when it
#                            names a release (vX.Y.Z…), else `latest`
#   AIMSC_ACTION_REF         the action's ref (github.action_ref)
#   AIMSC_REPOSITORY         owner/name to download from (github.action_repository); empty:
#                            GITHUB_REPOSITORY, for a workflow that runs `uses: ./`
#   AIMSC_RELEASE_BASE_URL   the folder holding the release's files instead of GitHub's: an
#                            https:// or file:// URL, or a local folder (tests, mirrors)
#   AIMSC_INSTALL_DIR        where the binary goes; default: under RUNNER_TEMP, else a new
#                            temporary folder
#   AIMSC_TARGET             the Rust target triple to install, instead of the runner's
# Writes `version`, `bin` and `path` to GITHUB_OUTPUT and the binary's folder to GITHUB_PATH
# when they are set.
set -euo pipefail

die() {
  # An annotation on GitHub, so the reason shows on the run's summary, not only in the log.
  if [ "${GITHUB_ACTIONS:-}" = true ]; then
    echo "::error title=aimsc install::$*"
  fi
  echo "aimsc install: $*" >&2
  exit 1
}

sha256_of() {
  if command -v sha256sum > /dev/null; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1 # macOS has no sha256sum
  fi
}

runner_target() {
  local os arch
  os="${RUNNER_OS:-$(uname -s)}"
  arch="${RUNNER_ARCH:-$(uname -m)}"
  case "$arch" in
    X64 | x86_64 | amd64) arch=x86_64 ;;
    ARM64 | aarch64 | arm64) arch=aarch64 ;;
    *) die "no aimsc build for the architecture $arch" ;;
  esac
  case "$os" in
    Linux) echo "$arch-unknown-linux-gnu" ;;
    macOS | Darwin) echo "$arch-apple-darwin" ;;
    # Windows on Arm runs x86-64 programs under emulation; there is no native build.
    Windows | MINGW* | MSYS* | CYGWIN*) echo "x86_64-pc-windows-msvc" ;;
    *) die "no aimsc build for the OS $os" ;;
  esac
}

# Downloads one file of the release into $2, from GitHub or from the override.
fetch() {
  case "$base" in
    https://* | http://* | file://*)
      # --proto-redir: GitHub redirects downloads to another host, never to plain HTTP.
      curl --fail --silent --show-error --location --retry 3 --proto-redir '=https' \
        --output "$2" "$base/$1"
      ;;
    *) cp "$base/$1" "$2" ;;
  esac
}

# The form of a path that the runner and steps in other shells read (Git Bash on Windows
# spells C:\x as /c/x).
native() {
  if command -v cygpath > /dev/null; then cygpath -w "$1"; else echo "$1"; fi
}

repo="${AIMSC_REPOSITORY:-${GITHUB_REPOSITORY:-}}"
version="${AIMSC_VERSION:-}"
if [ -z "$version" ]; then
  # A moving tag such as v1 names no release of its own.
  if [[ "${AIMSC_ACTION_REF:-}" =~ ^v[0-9]+\.[0-9]+\.[0-9]+ ]]; then
    version="$AIMSC_ACTION_REF"
  else
    version=latest
  fi
fi
# The version becomes part of a URL and of file names.
is_version() { [[ "$1" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]]; }
if [ "$version" != latest ]; then
  version="${version#v}"
  is_version "$version" || die "'$version' is not a version: give latest, vX.Y.Z or X.Y.Z"
fi

if [ -n "${AIMSC_RELEASE_BASE_URL:-}" ]; then
  base="${AIMSC_RELEASE_BASE_URL%/}"
else
  [[ "$repo" =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] ||
    die "cannot tell which repository to download aimsc from (got '$repo'); set AIMSC_REPOSITORY"
  server="${GITHUB_SERVER_URL:-https://github.com}"
  if [ "$version" = latest ]; then
    base="$server/$repo/releases/latest/download"
  else
    base="$server/$repo/releases/download/v$version"
  fi
fi

target="${AIMSC_TARGET:-$(runner_target)}"
ext=tar.gz
exe=aimsc
case "$target" in
  *-windows-*) ext=zip exe=aimsc.exe ;;
esac

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fetch SHA256SUMS "$work/SHA256SUMS" ||
  die "no SHA256SUMS at $base: refusing to install aimsc without a checksum to check it against"

# `latest` is read off SHA256SUMS: it names the archives, and so the version, of the release
# GitHub calls latest. Were a release published between the two downloads, the archive would
# not match the older list, and would be refused.
if [ "$version" = latest ]; then
  pattern="aimsc-[0-9][^ /]*-$target\\.$ext"
else
  pattern="aimsc-${version//./\\.}-$target\\.$ext"
fi
# No mapfile nor other bash 4: macOS runners may run Apple's bash 3.2.
line="$(grep -E "^[0-9a-fA-F]{64} [ *]$pattern\$" "$work/SHA256SUMS" || true)"
[ -n "$line" ] ||
  die "SHA256SUMS at $base has no checksum for aimsc $version on $target: refusing to install it"
[ "$(echo "$line" | wc -l)" -eq 1 ] || die "SHA256SUMS at $base lists several archives for $target"
expected="${line%% *}"
archive="${line#* }"
archive="${archive#[ *]}"
if [ "$version" = latest ]; then
  version="${archive#aimsc-}"
  version="${version%-"$target.$ext"}"
  is_version "$version" || die "SHA256SUMS at $base names $archive, of no version"
fi

echo "aimsc install: $archive from $base"
fetch "$archive" "$work/$archive" || die "cannot download $archive from $base"
actual="$(sha256_of "$work/$archive")"
# Checksums in SHA256SUMS may be in capitals; the comparison is of the value.
if [ "$(echo "$expected" | tr 'A-F' 'a-f')" != "$actual" ]; then
  die "checksum mismatch for $archive: SHA256SUMS says $expected, the download is $actual; refusing to install it"
fi

mkdir "$work/x"
case "$ext" in
  tar.gz) tar -xzf "$work/$archive" -C "$work/x" ;;
  zip)
    if command -v unzip > /dev/null; then
      unzip -q "$work/$archive" -d "$work/x"
    else
      pwsh -NoProfile -Command \
        "Expand-Archive -LiteralPath '$(native "$work/$archive")' -DestinationPath '$(native "$work/x")'"
    fi
    ;;
esac
src="$work/x/${archive%."$ext"}/$exe"
[ -f "$src" ] || die "$archive holds no ${archive%."$ext"}/$exe"
chmod +x "$src"
# A wrong file under the right name would pass the checksum (the list is the release's own);
# the binary must also say it is the version it is installed as.
said="$("$src" --version 2> /dev/null)" || die "the aimsc in $archive does not run on this machine"
[ "$said" = "aimsc $version" ] || die "$archive holds '$said', not aimsc $version"

dir="${AIMSC_INSTALL_DIR:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}/aimsc-$version-$target}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
cp "$src" "$dir/$exe"

if [ -n "${GITHUB_PATH:-}" ]; then
  native "$dir" >> "$GITHUB_PATH"
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "version=$version"
    echo "bin=$(native "$dir")"
    echo "path=$(native "$dir/$exe")"
  } >> "$GITHUB_OUTPUT"
fi
echo "aimsc install: aimsc $version ($target) in $dir"
