#!/usr/bin/env bash
# Fleet simulation: one real agent (`sixpn agent`: projector, DNS edge, dataplane, wireguard-go) in
# a host namespace, inside a synthetic fleet published to a real broker: 10,000 hosts and 1,000,000
# instances, then churn. Root (namespaces, BPF).
#   bench/fleet/run.sh [hosts] [instances] [churn-seconds]     (defaults 10000 1000000 60)
# Prints the figures (summary.tsv, *.csv in $SIXPN_FLEET_OUT, default bench/fleet/out) and writes
# the plots into docs/img/ (fleet-*.png), recorded in docs/benchmarks.md ("Fleet simulation").
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$root/scripts/java-home.sh"
hosts=${1:-10000}
instances=${2:-1000000}
churn=${3:-60}
out=${SIXPN_FLEET_OUT:-$root/bench/fleet/out}
[ "$(id -u)" -eq 0 ] || { echo "bench/fleet/run.sh needs root (namespaces, BPF)" >&2; exit 1; }
"$root/scripts/install-deps.sh" bench
work=$(mktemp -d /tmp/sixpn-fleet.XXXXXX)
bench_pid=""
# FleetBench removes what it made (namespaces, pins, processes) itself; this is for a kill of it:
# the agent by the PID it wrote, then whatever carries the bench's tag.
cleanup() {
  if [ -n "$bench_pid" ] && kill -0 "$bench_pid" 2>/dev/null; then
    kill "$bench_pid" 2>/dev/null || true
    wait "$bench_pid" 2>/dev/null || true
  fi
  if [ -f "$work/agent.pid" ] && kill -0 "$(cat "$work/agent.pid")" 2>/dev/null; then
    kill "$(cat "$work/agent.pid")" 2>/dev/null || true
  fi
  if [ -f "$work/tag" ]; then
    tag=$(cat "$work/tag")
    for pid in $(pgrep -f "^wireguard-go -f sxf${tag}" || true); do kill "$pid" || true; done
    ip netns list | awk '{print $1}' | grep "^sxf${tag}" | xargs -r -n1 ip netns del || true
    ip link del "sxf${tag}c" 2>/dev/null || true
    rm -rf "/sys/fs/bpf/sixpn-fleet-${tag}" "/etc/netns/sxf${tag}-client"
  fi
  rm -rf "$work"
}
trap cleanup EXIT
# mvn takes the build lock itself (scripts' wrapper); the measurement takes it after the build, so
# no build or other benchmark on this machine runs beside it.
(cd "$root" && mvn -B -q -o package -DskipTests -pl bench,agent -am) >&2
exec 9>/tmp/sixpn-build.lock
flock 9
cp="$root/bench/target/classes:$(cat "$root/bench/target/classpath.txt")"
. "$root/scripts/jvm-flags.sh"
rm -rf "$out" && mkdir -p "$out"
{
  echo "date	$(date -u +%FT%TZ)"
  echo "machine	$(nproc) cores $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | sed 's/^ *//'), $(free -g | awk '/Mem:/{print $2}') GiB, Linux $(uname -r), $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
  echo "load average at start	$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "command	bench/fleet/run.sh $hosts $instances $churn"
} | tee "$out/summary.tsv"
# The bench's JVM holds the broker and the publishers; the agent runs with exactly its own flags.
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xmx6g \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$cp" dev.sixpn.bench.fleet.FleetBench \
  "$work" "$out" "$hosts" "$instances" "$churn" \
  -- "$JAVA_HOME/bin/java" "${SIXPN_JVM_FLAGS[@]}" -jar "$root/agent/target/sixpn.jar" &
bench_pid=$!
wait "$bench_pid"
bench_pid=""
echo "load average at end	$(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/summary.tsv"
# Debian's python3 (python3-matplotlib), whatever python3 comes first on PATH
/usr/bin/python3 "$root/bench/fleet/plots.py" "$out" "$root/docs/img"
