# The JVM flags of every sixpn process (agent, demo, CLI) and of the benchmarks, which must measure
# what users run. Sourced by ./sixpn, bench/projector.sh and bench/dns/run.sh.
#
# - native access and Unsafe: RocksDB, Netty and the dataplane's bpf(2) calls (FFM).
# - -Xmn512m -XX:MaxTenuringThreshold=0: the projector's state lives as long as the process, and
#   what a poll allocates dies within one batch; copying survivors between survivor spaces was a
#   third of G1's work while folding. Measured with bench/projector.sh (docs/benchmarks.md):
#   cold bootstrap of 1M events 7.1 s -> 6.3 s, warm fold 204k -> 216k events/s against -Xmx1g
#   alone.
# - -Xmx2g: a ceiling, not a reservation; 1M live instances use ~200 MiB of heap.
# Override or add with SIXPN_JAVA_OPTS.
SIXPN_JVM_FLAGS=(
  --enable-native-access=ALL-UNNAMED
  --sun-misc-unsafe-memory-access=allow
  -Xmx2g
  -Xmn512m
  -XX:MaxTenuringThreshold=0
)
