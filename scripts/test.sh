#!/usr/bin/env bash
# Runs the whole test suite, installing what the tests need when missing.
# Used by .ci/run; safe to run on a developer machine.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
# The tests start their own HTTP servers in-process, signal the daemon with
# `kill`, run a real Dovecot (IMAP) with a certificate made by openssl, and
# a real SMTP server (aiosmtpd, run by the system Python 3).
command -v kill >/dev/null || need_apt+=(procps)
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || need_apt+=(python3-aiosmtpd)
# The /metrics test checks the exposition with the Prometheus Python client's parser.
/usr/bin/python3 -c 'import prometheus_client' 2>/dev/null || need_apt+=(python3-prometheus-client)
[ -x /usr/sbin/dovecot ] || need_apt+=(dovecot-imapd)
command -v openssl >/dev/null || need_apt+=(openssl)
# systemd-analyze checks the unit file (verify, security).
command -v systemd-analyze >/dev/null || need_apt+=(systemd)
# The packaging test splits debug info with objcopy and reads sections with
# readelf; the digest is screenshotted in a real Chromium, and the web
# inbox is driven in one through chromedriver (WebDriver).
command -v objcopy >/dev/null && command -v readelf >/dev/null || need_apt+=(binutils)
command -v chromium >/dev/null || need_apt+=(chromium)
command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
# The store's tests run against PostgreSQL too, on a server they start
# with initdb and pg_ctl in a temporary directory.
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need_apt+=(postgresql)
if ((${#need_apt[@]})); then
  echo "Installing test dependencies: ${need_apt[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  # Packages such as dovecot-imapd start and enable a system service when
  # installed. The tests start their own Dovecot on a private port, so no
  # service may start now (policy-rc.d answers "not allowed"), and any unit
  # the install enabled is disabled again afterwards.
  policy=/usr/sbin/policy-rc.d
  made_policy=""
  if [ ! -e "$policy" ]; then
    made_policy=1
    # Removed however the install ends (an error, Ctrl-C, a kill): left
    # behind, it would stop every later package from starting its service.
    trap '$sudo_cmd rm -f "$policy"' EXIT
    trap 'exit 130' INT TERM HUP
    printf '#!/bin/sh\n# Written by vigia scripts/test.sh while it installs test dependencies.\nexit 101\n' |
      $sudo_cmd tee "$policy" >/dev/null
    $sudo_cmd chmod 755 "$policy"
  fi
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need_apt[@]}"
  if [ -n "$made_policy" ]; then
    $sudo_cmd rm -f "$policy"
    trap - EXIT INT TERM HUP
  fi
  for service in dovecot postgresql; do
    [[ " ${need_apt[*]} " == *" $service"* ]] && command -v systemctl >/dev/null || continue
    $sudo_cmd systemctl disable --quiet "$service.service" "$service.socket" 2>/dev/null || true
    if [ -d /run/systemd/system ]; then
      $sudo_cmd systemctl stop "$service.service" "$service.socket" 2>/dev/null || true
    fi
  done
fi

for component in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$component" || rustup component add "$component"
done

cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --all-targets --locked
cargo test --doc --locked
