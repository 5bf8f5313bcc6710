#!/usr/bin/env bash
# Agent start -> first DNS answer with the broker down, from a store of N instances; the memory
# state's heap per instance (N in 1,000 networks, then N in 100,000 networks of 3 apps on 10,000
# hosts); and the dedup window under churn.
#   bench/agent-start.sh [instances] [dedup-events]     (defaults 1,000,000 and 10,000,000)
# Prints the figures recorded in docs/benchmarks.md ("Agent start with the broker down" and
# "Dedup window under churn").
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/java-home.sh"
instances=${1:-1000000}
dedup_events=${2:-10000000}
work=$(mktemp -d /tmp/sixpn-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
(cd "$root" && mvn -B -q package -DskipTests -pl bench -am) >&2
cp="$root/bench/target/classes:$(cat "$root/bench/target/classpath.txt")"
. "$root/scripts/jvm-flags.sh"
java=("$JAVA_HOME/bin/java" "${SIXPN_JVM_FLAGS[@]}")

echo "# $(date -u +%FT%TZ) $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r), $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
"${java[@]}" -cp "$cp" dev.sixpn.bench.AgentStartBench build "$work/host" "$instances"
du -sh "$work/host/state" | awk '{print "state store on disk: " $1}'
for run in 1 2 3; do
  echo -n "run $run: "
  "${java[@]}" -cp "$cp" dev.sixpn.bench.AgentStartBench start "$work/host" 2>/dev/null | grep "first DNS"
done
"${java[@]}" -cp "$cp" dev.sixpn.bench.AgentStartBench memory "$work/host" 2>/dev/null
"${java[@]}" -cp "$cp" dev.sixpn.bench.AgentStartBench build "$work/fleet" "$instances" 100000 3 10000
"${java[@]}" -cp "$cp" dev.sixpn.bench.AgentStartBench memory "$work/fleet" 2>/dev/null
echo "# dedup window: $dedup_events events over 100,000 live instances, 10 events/s of event time"
"${java[@]}" -cp "$cp" dev.sixpn.bench.DedupBench "$work/dedup" "$dedup_events" 100000 10
