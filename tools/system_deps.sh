#!/usr/bin/env bash
# The system programs the test suite drives: Chromium (browser journeys), nginx (the buffering
# proxy of the documented deployment, started by the slow-client tests) and gettext (msgfmt).
# As root with apt available, missing ones are installed; otherwise this stops before the suite
# with one line saying what to install. The suite never skips the tests that need them.
set -euo pipefail

declare -A PROGRAM_PACKAGE=(
  [/usr/bin/chromium]=chromium
  [/usr/sbin/nginx]=nginx
  [/usr/bin/msgfmt]=gettext
  [/usr/bin/openssl]=openssl
)
# Tests of this script name other programs ("path=package ...") and forbid installing.
if [[ -n "${SYSTEM_DEPS_PROGRAMS:-}" ]]; then
  PROGRAM_PACKAGE=()
  for pair in $SYSTEM_DEPS_PROGRAMS; do PROGRAM_PACKAGE[${pair%%=*}]=${pair#*=}; done
fi

missing=()
for program in "${!PROGRAM_PACKAGE[@]}"; do
  if [[ ! -x "$program" ]]; then
    missing+=("${PROGRAM_PACKAGE[$program]}")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ "${SYSTEM_DEPS_INSTALL:-auto}" != never && $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing the system packages the tests need: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi

echo "make test needs these system packages, which are not installed: ${missing[*]}" \
  "(on Debian: sudo apt-get install -y ${missing[*]})" >&2
exit 1
