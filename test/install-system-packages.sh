#!/usr/bin/env bash
# Installs the Debian packages the integration tests run for real (DNS server, Nagios plugins,
# mon's monitors, keepalived, ipvsadm). Does nothing when they are all present.
set -euo pipefail
packages=(ipvsadm keepalived dnsmasq-base mon monitoring-plugins-basic iproute2 openssl procps)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
echo "installing Debian packages for the tests: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
