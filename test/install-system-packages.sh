#!/usr/bin/env bash
# Installs the Debian packages the integration tests run for real (DNS server, Nagios plugins,
# mon's monitors and alerts, keepalived, ipvsadm, MariaDB and PostgreSQL servers, OpenLDAP's
# slapd, FreeRADIUS, Kamailio, msmtp as the sendmail mon's mail.alert pipes to). Does nothing
# when they are all present. The tests start their own servers: the packages' services
# are not started.
set -euo pipefail
packages=(ipvsadm keepalived dnsmasq-base mon monitoring-plugins-basic iproute2 openssl procps mariadb-server-core mariadb-client-core postgresql slapd ldap-utils freeradius kamailio msmtp-mta)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
echo "installing Debian packages for the tests: ${missing[*]}"
$sudo apt-get update -qq
# policy-rc.d answering 101 keeps a package from starting its service (the Debian way, as in containers).
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod 755 "$policy"
  trap '$sudo rm -f "$policy"' EXIT
fi
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
