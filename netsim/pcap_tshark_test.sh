#!/usr/bin/env bash
# Checks that tshark (Debian's wireshark CLI; scripts/setup.sh installs it)
# dissects netsim's pcap export: IMAP on port 143, SMTP on 587, and no bad
# IPv4/TCP checksums. Usage: pcap_tshark_test.sh <netsim_testtool>
set -euo pipefail
tool="$1"
out="${TEST_TMPDIR:-$(mktemp -d)}/mail_demo.pcap"
"$tool" pcap-demo > "$out"
if ! command -v tshark > /dev/null; then
  echo "FAIL: tshark is not installed (run scripts/setup.sh or apt-get install -y tshark)" >&2
  exit 1
fi
run() { tshark -r "$out" "$@" 2> /dev/null; }
count() { run -Y "$1" | wc -l; }

imap=$(count 'imap')
smtp=$(count 'smtp')
capability=$(count 'imap.request.command == "CAPABILITY"')
ehlo=$(count 'smtp.req.command == "EHLO"')
bad=$(run -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
      -Y 'tcp.checksum.status == 0 || ip.checksum.status == 0' | wc -l)
good=$(run -o tcp.check_checksum:TRUE -Y 'tcp.checksum.status == 1' | wc -l)
frames=$(run | wc -l)
echo "frames=$frames imap=$imap smtp=$smtp capability=$capability ehlo=$ehlo good_checksums=$good bad_checksums=$bad"
fail=0
[[ "$imap" -ge 6 ]] || { echo "FAIL: tshark found $imap IMAP packets" >&2; fail=1; }
[[ "$smtp" -ge 7 ]] || { echo "FAIL: tshark found $smtp SMTP packets" >&2; fail=1; }
[[ "$capability" -ge 1 ]] || { echo "FAIL: no IMAP CAPABILITY request dissected" >&2; fail=1; }
[[ "$ehlo" -ge 1 ]] || { echo "FAIL: no SMTP EHLO dissected" >&2; fail=1; }
[[ "$bad" -eq 0 ]] || { echo "FAIL: $bad packets with bad checksums" >&2; fail=1; }
[[ "$good" -eq "$frames" ]] || { echo "FAIL: only $good of $frames TCP checksums verified good" >&2; fail=1; }
exit $fail
