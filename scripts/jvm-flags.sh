# The JVM flags of every sixpn process (agent, demo, CLI) and of the benchmarks, which must measure
# what users run. Sourced by ./sixpn, bench/projector.sh and bench/dns/run.sh.
#
# - native access and Unsafe: RocksDB, Netty and the dataplane's bpf(2) calls (FFM).
# - -Xmx2g: a ceiling, not a reservation; 1M live instances use ~350 MiB of heap.
# - -XX:MaxTenuringThreshold=0: the projector's state lives as long as the process and a poll's
#   garbage dies within its batch, so copying survivors back and forth is wasted work. Measured
#   with ProjectorBench over 1M distinct starts: cold 8.54 -> 7.74 s, warm 154k -> 170k events/s;
#   DNS latency at 20k q/s unchanged (three paired runs each).
# Not used: a fixed young generation (-Xmn512m) cost the DNS edge ~10 µs of average latency at
# 20k q/s (its writes walk cold memory) and no longer helps the projector.
# Override or add with SIXPN_JAVA_OPTS.
SIXPN_JVM_FLAGS=(
  --enable-native-access=ALL-UNNAMED
  --sun-misc-unsafe-memory-access=allow
  -Xmx2g
  -XX:MaxTenuringThreshold=0
)
