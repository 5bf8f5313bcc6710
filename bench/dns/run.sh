#!/usr/bin/env bash
# DNS edge benchmark: sixpn against Knot, NSD, Unbound and BIND serving the same records.
#   bench/dns/run.sh [seconds-per-run]          (default 15)
# Each server: pinned to CPU 0 with one worker; dnsperf pinned to CPU 1. Ranked by queries per
# second per core of the server's own CPU time (user+sys of its process tree during the run).
# Writes the table into docs/benchmarks.md (DNS section) and prints it.
# Needs: dnsperf knot nsd unbound bind9 dnsutils (Debian; installed by scripts/install-deps.sh bench), Java 25, Maven.
set -euo pipefail
# One lock for the whole run (build and measurement): other builds and benchmarks on this machine
# take the same lock, so none of them overlaps the measurement.
exec 9>/tmp/sixpn-build.lock
flock 9
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here="$root/bench/dns"
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
secs=${1:-15}
rate=${SIXPN_BENCH_RATE:-20000}
port=${SIXPN_BENCH_PORT:-25353}
work=$(mktemp -d /tmp/sixpn-dnsbench.XXXXXX)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$root/scripts/install-deps.sh" bench
for bin in dnsperf knotd nsd unbound named dig taskset; do
  command -v "$bin" >/dev/null || { echo "missing $bin: run scripts/install-deps.sh bench as root" >&2; exit 1; }
done

(cd "$root" && mvn -B -q -o -pl dns-edge -am install -DskipTests -Dspotless.check.skip=true \
  && mvn -B -q -o -pl dns-edge test-compile dependency:build-classpath -Dmdep.outputFile="$work/cp.txt") >&2
cp="$root/dns-edge/target/test-classes:$root/dns-edge/target/classes:$(cat "$work/cp.txt")"
# The JVM flags ./sixpn runs the agent with (scripts/jvm-flags.sh), nothing tuned for the benchmark.
. "$root/scripts/jvm-flags.sh"
java=("$JAVA_HOME/bin/java" "${SIXPN_JVM_FLAGS[@]}" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$cp")

"${java[@]}" dev.sixpn.dns.bench.BenchMain zone "$work/internal.zone"
"${java[@]}" dev.sixpn.dns.bench.BenchMain queries "$work/queries.txt" 100000
records=$(grep -vc '^\$' "$work/internal.zone")

wait_ready() {
  for _ in $(seq 1 100); do
    if dig @127.0.0.1 -p "$port" +time=1 +tries=1 +short soa internal 2>/dev/null | grep -q hostmaster; then return 0; fi
    sleep 0.2
  done
  echo "server did not come up" >&2; return 1
}

start_server() { # name
  local d="$work/$1"; mkdir -p "$d"
  case "$1" in
    sixpn)
      taskset -c 0 "${java[@]}" dev.sixpn.dns.bench.BenchMain serve 127.0.0.1 "$port" 1 >"$d/log" 2>&1 &
      ;;
    knot)
      cat >"$d/knot.conf" <<CONF
server:
    rundir: "$d"
    listen: 127.0.0.1@$port
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "$d"
log:
  - target: stderr
    any: error
zone:
  - domain: internal
    file: "$work/internal.zone"
    journal-content: none
    zonefile-sync: -1
CONF
      taskset -c 0 knotd -c "$d/knot.conf" >"$d/log" 2>&1 &
      ;;
    nsd)
      cat >"$d/nsd.conf" <<CONF
server:
    ip-address: 127.0.0.1@$port
    server-count: 1
    username: ""
    zonesdir: "$d"
    pidfile: "$d/nsd.pid"
    database: ""
    xfrdfile: "$d/xfrd.state"
    zonelistfile: "$d/zone.list"
    rrl-ratelimit: 0
    minimal-responses: yes
    verbosity: 0
remote-control:
    control-enable: no
zone:
    name: internal
    zonefile: "$work/internal.zone"
CONF
      taskset -c 0 nsd -d -c "$d/nsd.conf" >"$d/log" 2>&1 &
      ;;
    unbound)
      {
        echo "server:"
        echo "    interface: 127.0.0.1@$port"
        echo "    num-threads: 1"
        echo "    do-daemonize: no"
        echo "    username: \"\""
        echo "    chroot: \"\""
        echo "    directory: \"$d\""
        echo "    pidfile: \"$d/unbound.pid\""
        echo "    access-control: 127.0.0.0/8 allow"
        echo "    module-config: \"iterator\""
        echo "    do-ip6: no"
        echo "    use-syslog: no"
        echo "    verbosity: 0"
        echo "    ratelimit: 0"
        echo "    local-zone: \"internal.\" static"
        grep -v '^\$' "$work/internal.zone" | while IFS= read -r rr; do
          printf "    local-data: '%s'\n" "$rr"
        done
        echo "remote-control:"
        echo "    control-enable: no"
      } >"$d/unbound.conf"
      taskset -c 0 unbound -d -c "$d/unbound.conf" >"$d/log" 2>&1 &
      ;;
    bind)
      cat >"$d/named.conf" <<CONF
options {
    directory "$d";
    pid-file "$d/named.pid";
    listen-on port $port { 127.0.0.1; };
    listen-on-v6 { none; };
    recursion no;
    minimal-responses yes;
    allow-query { any; };
};
controls { };
zone "internal" { type primary; file "$work/internal.zone"; };
CONF
      taskset -c 0 named -g -n 1 -c "$d/named.conf" >"$d/log" 2>&1 &
      ;;
  esac
  server_pid=$!
  wait_ready
}

stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  sleep 0.5
}

perf() { # extra dnsperf args...
  taskset -c 1 dnsperf -s 127.0.0.1 -p "$port" -d "$work/queries.txt" -T 1 -c 10 -q 500 -t 2 "$@" 2>&1
}

field() { # output label
  awk -v l="$2" 'index($0, l) { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+$/) { print $i; exit } }' <<<"$1"
}

results="$work/results.tsv"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
servers=(${SIXPN_BENCH_SERVERS:-sixpn knot nsd unbound bind})
declare -A row lats latmax lostFixed digests
for s in "${servers[@]}"; do
  echo "== $s" >&2
  start_server "$s"
  # same records everywhere: a digest of a few answers, compared with sixpn's
  digest=$(for q in "aaaa app-007.internal" "aaaa iad.app-042.internal" "txt vms.app-100.internal" "txt regions.app-003.internal" "aaaa i00502.vm.app-005.internal"; do
    dig @127.0.0.1 -p "$port" +short $q | sort; done; dig @127.0.0.1 -p "$port" aaaa nope-1.internal | grep -o 'status: [A-Z]*')
  digest=$(md5sum <<<"$digest" | cut -c1-8)
  [ "$s" = sixpn ] && reference=$digest
  [ "$digest" = "$reference" ] || echo "WARNING: $s answers differ from sixpn's ($digest vs $reference)" >&2
  digests[$s]=$digest
  perf -l 5 >/dev/null # warm-up (JIT, caches)
  before=$(python3 "$here/cputime.py" "$server_pid")
  out=$(perf -l "$secs")
  after=$(python3 "$here/cputime.py" "$server_pid")
  stop_server
  completed=$(awk '/Queries completed:/ {print $3}' <<<"$out")
  sent=$(awk '/Queries sent:/ {print $3}' <<<"$out")
  lost=$(awk '/Queries lost:/ {print $3}' <<<"$out")
  qps=$(awk '/Queries per second:/ {print $4}' <<<"$out")
  cpu=$(python3 -c "print(f'{$after - $before:.2f}')")
  perCore=$(python3 -c "print(int($completed / max($after - $before, 0.01)))")
  row[$s]="$s	$qps	$cpu	$perCore	$sent	$lost"
  printf '%s: %s q/s raw, %s s server CPU, %s q/s per server core, lost %s\n' "$s" "$qps" "$cpu" "$perCore" "$lost" >&2
  lats[$s]=""; latmax[$s]=0; lostFixed[$s]=0
done

# Latency at a fixed rate, in three rounds over all servers (each round restarts each server and
# warms it up for 5 s): one 10 s run moved by ±10 µs between runs here, and a server measured
# first, right after the build, was at a disadvantage. The median of the three averages is
# reported, the worst max, and the sum of losses.
for round in 1 2 3; do
  for s in "${servers[@]}"; do
    start_server "$s"
    perf -l 5 >/dev/null
    fixed=$(perf -l 10 -Q "$rate")
    stop_server
    lats[$s]+="$(awk '/Average Latency/ {print $4}' <<<"$fixed") "
    m=$(grep 'Average Latency' <<<"$fixed" | grep -o 'max [0-9.]*' | awk '{print $2}')
    latmax[$s]=$(python3 -c "print(max(${latmax[$s]}, $m))")
    lostFixed[$s]=$((${lostFixed[$s]} + $(awk '/Queries lost:/ {print $3}' <<<"$fixed")))
    echo "latency round $round $s: ${lats[$s]}" >&2
  done
done
for s in "${servers[@]}"; do
  lat=$(tr ' ' '\n' <<<"${lats[$s]}" | grep . | sort -g | sed -n 2p)
  printf '%s\t%s\t%s\t%s\t%s\n' "${row[$s]}" "$lat" "${latmax[$s]}" "${lostFixed[$s]}" "${digests[$s]}" >>"$results"
done

visibility=$("${java[@]}" dev.sixpn.dns.bench.BenchMain visibility 2000)

python3 "$here/report.py" "$results" "$root/docs/benchmarks.md" "$secs" "$rate" "$records" "$visibility" \
  "bench/dns/run.sh $secs" "$(date -u +%FT%TZ)" "$(nproc) cores $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | sed 's/^ *//'), $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r); load average $load_before at start, $(cut -d' ' -f1-3 /proc/loadavg) at end"
