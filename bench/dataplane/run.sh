#!/bin/sh
# Runs the dataplane benchmarks (root needed: BPF, namespaces, wireguard-go).
# Usage: bench/dataplane/run.sh [maps|cost|events|iperf|all] [args for the benchmark]
#   events [N]            N instances (default 200)
#   iperf [SECONDS RUNS]  per-run duration and runs per side (default 5 5)
set -eu
cd "$(dirname "$0")/../.."
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
flock /tmp/sixpn-build.lock mvn -B -o -q -pl dataplane -am install -DskipTests \
  || { echo "upstream modules do not build; using the installed ones and building dataplane alone" >&2;
       flock /tmp/sixpn-build.lock mvn -B -o -q -pl dataplane install -DskipTests; }
flock /tmp/sixpn-build.lock mvn -B -o -q -f bench/dataplane/pom.xml package dependency:build-classpath \
  -Dmdep.outputFile=target/classpath.txt
CP="bench/dataplane/target/classes:$(cat bench/dataplane/target/classpath.txt)"
what="${1:-all}"
[ $# -gt 0 ] && shift
run() { "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" "$@"; }
case "$what" in
  maps|all) run dev.sixpn.bench.dataplane.MapUpdateBench ;;
esac
case "$what" in
  cost|all) run dev.sixpn.bench.dataplane.ProgramCostBench ;;
esac
case "$what" in
  events|all) run dev.sixpn.bench.dataplane.EventToMapBench "$@" ;;
esac
case "$what" in
  iperf|all) run dev.sixpn.bench.dataplane.ThroughputBench "$@" ;;
esac
