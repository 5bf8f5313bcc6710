#!/usr/bin/env bash
# Installs the Debian packages sixpn's build, tests and demo need, once: only what is missing,
# always with --no-install-recommends (wireguard-tools would otherwise pull a kernel image).
#   scripts/install-deps.sh          what the build, tests and demo need
#   scripts/install-deps.sh bench    also what the benchmarks need (bench/dns, bench/dataplane)
#   scripts/install-deps.sh compose  also Docker, Compose and mmdebstrap (docker-compose.yml, the
#                                    Testcontainers run), and starts dockerd if no engine answers
# Running it again installs nothing once everything is there.
set -euo pipefail
case "${1:-}" in
  "" | bench | compose) ;;
  *) echo "usage: $0 [bench|compose]" >&2; exit 2 ;;
esac

# package -> a file that proves it is installed
declare -A NEED=(
  [maven]=/usr/bin/mvn
  [clang]=/usr/bin/clang
  [llvm]=/usr/bin/llvm-objdump
  [bpftool]=/usr/sbin/bpftool
  [libbpf-dev]=/usr/include/bpf/bpf_helpers.h
  [linux-libc-dev]=/usr/include/linux/bpf.h
  [libc6-dev]=/usr/include/stdio.h
  [wireguard-go]=/usr/bin/wireguard-go
  [wireguard-tools]=/usr/bin/wg
  [dnsutils]=/usr/bin/dig
  [iproute2]=/usr/sbin/ip
  [iputils-ping]=/usr/bin/ping
  [util-linux]=/usr/bin/nsenter
  [procps]=/usr/bin/pgrep
)
if [ "${1:-}" = bench ]; then
  # bench/dns/run.sh: dnsperf, the servers sixpn is measured against and python3 for its
  # reports; bench/dataplane: iperf3; bench/fleet: matplotlib for its plots
  NEED+=(
    [iperf3]=/usr/bin/iperf3
    [python3]=/usr/bin/python3
    [python3-matplotlib]=/usr/lib/python3/dist-packages/matplotlib/__init__.py
    [dnsperf]=/usr/bin/dnsperf
    [knot]=/usr/sbin/knotd
    [nsd]=/usr/sbin/nsd
    [unbound]=/usr/sbin/unbound
    [bind9]=/usr/sbin/named
  )
fi
if [ "${1:-}" = compose ]; then
  # Debian's engine and Compose 1.29 (file format 2.4); mmdebstrap makes the base image, since
  # no image registry is assumed reachable (scripts/compose-images.sh)
  NEED+=(
    [docker.io]=/usr/sbin/dockerd
    [docker-compose]=/usr/bin/docker-compose
    [mmdebstrap]=/usr/bin/mmdebstrap
  )
fi

# An engine answers: `docker info` reaches a daemon (a docker client on PATH proves nothing).
# Otherwise dockerd starts in the background, its log in /var/log/sixpn-dockerd.log.
start_dockerd() {
  docker info >/dev/null 2>&1 && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "sixpn: no Docker engine answers; start dockerd as root" >&2
    return 1
  fi
  echo "sixpn: starting dockerd (log /var/log/sixpn-dockerd.log)" >&2
  setsid /usr/sbin/dockerd >>/var/log/sixpn-dockerd.log 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && return 0
    sleep 1
  done
  echo "sixpn: dockerd did not answer within 60 s; see /var/log/sixpn-dockerd.log" >&2
  return 1
}

missing=()
for pkg in "${!NEED[@]}"; do
  [ -e "${NEED[$pkg]}" ] || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  [ "${1:-}" = compose ] && start_dockerd
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "sixpn: missing packages ${missing[*]}; run this script as root (apt-get install)" >&2
  exit 1
fi
echo "sixpn: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# The DNS servers would start as system services on install and take port 53 on every address
# (the demo's fdaa::3 included): tell invoke-rc.d not to start anything (policy-rc.d, exit 101).
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  trap 'rm -f "$policy"' EXIT
fi
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
[ "${1:-}" = compose ] && start_dockerd
exit 0
