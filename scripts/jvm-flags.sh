# The JVM flags of every sixpn process (agent, demo, CLI) and of the benchmarks, which must measure
# what users run. Sourced by ./sixpn, bench/projector.sh and bench/dns/run.sh.
#
# - native access and Unsafe: RocksDB, Netty and the dataplane's bpf(2) calls (FFM).
# - -Xmx2g: a ceiling, not a reservation; 1M live instances use ~350 MiB of heap.
# Young-generation tuning was measured and left out: -Xmn512m -XX:MaxTenuringThreshold=0 saved
# the projector's bootstrap some GC work before its allocations were cut, and now gains nothing
# (bench/projector.sh), while a large fixed eden cost the DNS edge ~10 µs of average latency at
# 20k q/s (its writes walk cold memory). Override or add with SIXPN_JAVA_OPTS.
SIXPN_JVM_FLAGS=(
  --enable-native-access=ALL-UNNAMED
  --sun-misc-unsafe-memory-access=allow
  -Xmx2g
)
