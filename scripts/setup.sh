#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, if missing.
# Idempotent and quiet when everything is present. Needs root (or sudo) only
# when something has to be installed.
set -euo pipefail

packages=(
  # Build: Bazel, compilers, libFuzzer runtime, libraries.
  bazel-bootstrap g++ clang-14 libclang-rt-14-dev
  libabsl-dev libgtest-dev libgmock-dev libbenchmark-dev libssl-dev zlib1g-dev
  # Interop peers and tools the tests drive: Python's imaplib/smtplib and an
  # SMTP sink, curl, swaks (with TLS), mbsync, tshark (pcap checks), gnuplot
  # (experiment plots).
  python3 python3-aiosmtpd curl swaks libnet-ssleay-perl libio-socket-ssl-perl isync
  tshark gnuplot-nox openssl
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "setup: installing ${missing[*]}" >&2
sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; the answer does not matter here.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections 2>/dev/null || true
if ! $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/lemonade-apt.log 2>&1; then
  $sudo apt-get update -q >>/tmp/lemonade-apt.log 2>&1
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/lemonade-apt.log 2>&1 || {
    echo "setup: apt-get install failed; see /tmp/lemonade-apt.log" >&2
    exit 1
  }
fi
