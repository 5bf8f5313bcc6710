#!/usr/bin/env bash
# Publisher, projector and end-to-end visibility benchmarks against a real broker in its own JVM.
#   bench/projector.sh [events]      (default 1,000,000)
# Prints the figures recorded in docs/benchmarks.md ("Events and projector").
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/java-home.sh"
events=${1:-1000000}
port=${SIXPN_BENCH_PORT:-29092}
work=$(mktemp -d /tmp/sixpn-bench.XXXXXX)
(cd "$root" && mvn -B -q install -DskipTests -pl bench,agent -am) >&2
cp="$root/bench/target/classes:$(cat "$root/bench/target/classpath.txt")"
. "$root/scripts/jvm-flags.sh"
# Publishers get their own heap; the projector runs with exactly the agent's flags.
java=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
agent_java=("$JAVA_HOME/bin/java" "${SIXPN_JVM_FLAGS[@]}")

"$root/sixpn" kafka --port "$port" --data-dir "$work/kafka" >"$work/kafka.log" 2>&1 &
kafka_pid=$!
cleanup() { kill "$kafka_pid" 2>/dev/null || true; wait "$kafka_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 1 60); do grep -q "listening" "$work/kafka.log" && break; sleep 0.5; done
bootstrap=localhost:$port

echo "# $(date -u +%FT%TZ) $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r), $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
"${java[@]}" -Xmx2g -cp "$cp" dev.sixpn.bench.PublishBench "$bootstrap" bench.mix "$events" 12 mix
"${agent_java[@]}" -cp "$cp" dev.sixpn.bench.ProjectorBench "$bootstrap" bench.mix "$work/state-mix" 5000
"${java[@]}" -Xmx2g -cp "$cp" dev.sixpn.bench.PublishBench "$bootstrap" bench.starts "$events" 12 starts
echo "# projector over $events live instances:"
"${agent_java[@]}" -cp "$cp" dev.sixpn.bench.ProjectorBench "$bootstrap" bench.starts "$work/state-starts" 0
du -sh "$work/state-starts/cold" | awk '{print "state store on disk: " $1}'
echo "# fold without Kafka, one thread, 300,000 events in batches of 10,000:"
"${java[@]}" -Xmx2g -cp "$cp" dev.sixpn.bench.FoldBench "$work/fold" 300000 10000
echo "# publish -> AAAA visible (broker and agent in one JVM, no dataplane):"
"${java[@]}" -cp "$cp" dev.sixpn.bench.VisibilityBench 500 2>&1 | grep -v WARN
