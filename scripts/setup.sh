#!/usr/bin/env bash
# One-time set-up on a fresh Debian/Ubuntu machine: system packages, npm dependencies, build.
# Idempotent: re-running it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
updated=0
# install_missing "what for" [apt-get install options --] package...: only those not installed yet
install_missing() {
  local why=$1; shift
  local opts=()
  if [ "${1:-}" = "--no-install-recommends" ]; then opts+=("$1"); shift; fi
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  echo "setup: installing Debian packages ($why): ${missing[*]}"
  [ "$updated" -eq 1 ] || { $SUDO apt-get update -qq; updated=1; }
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${opts[@]}" "${missing[@]}" >/dev/null
}

install_missing "build, tests and benches" clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool bpftrace iproute2 \
  iputils-ping make g++ python3 pkg-config chromium
# the kernel matrix (npm run test:kernels): qemu boots Debian's kernels under TCG, busybox is the
# guest's init, depmod indexes their modules, xz unpacks them (~17 MB without recommends)
install_missing "the kernel matrix" --no-install-recommends qemu-system-x86 busybox-static kmod xz-utils

if [ ! -e /sys/kernel/btf/vmlinux ]; then
  echo "setup: this kernel has no BTF (/sys/kernel/btf/vmlinux); sonde needs CONFIG_DEBUG_INFO_BTF=y" >&2
  exit 1
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies"
  npm ci --no-audit --no-fund
fi

echo "setup: building (bpf objects, native addon, packages)"
npx nx run-many -t build --outputStyle=static

# `sonde` on the PATH: a link to the built CLI in /usr/local/bin when set-up runs as root (it does not
# replace a `sonde` that is not ours). From the checkout, `npx sonde` works for any user.
cli="$PWD/packages/cli/dist/main.js"
if [ "$(id -u)" -eq 0 ] && [ -d /usr/local/bin ]; then
  link=/usr/local/bin/sonde
  if [ ! -e "$link" ] || [ "$(readlink "$link" 2>/dev/null)" = "$cli" ] || { [ -L "$link" ] && [ ! -e "$(readlink "$link")" ]; }; then
    ln -sfn "$cli" "$link"
  else
    echo "setup: $link exists and is not this checkout's CLI: left alone (npx sonde works from here)"
  fi
fi
