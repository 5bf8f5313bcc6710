# The JVM flags of every sixpn process (agent, demo, CLI) and of the benchmarks, which must measure
# what users run. Sourced by ./sixpn, bench/projector.sh and bench/dns/run.sh.
#
# - native access and Unsafe: RocksDB, Netty and the dataplane's bpf(2) calls (FFM).
# - -Xmx512m: a ceiling, and what bounds the agent's RSS (G1 grows the heap towards it while the
#   projector folds and rarely gives it back). 1M live instances take 99-134 MiB of heap, the dedup
#   window 32-64 MiB, the DNS edge's answer cache at most 128 MiB (ZoneCache): 512m leaves room
#   for a fold batch and G1's headroom. RSS at 1M instances: ~500-590 MiB serving, ~720 MiB right
#   after folding 1M starts from scratch; -Xmx384m made that 589 MiB but leaves too little room for
#   the answer cache, and -Xmx2g let it reach 1.7 GiB (docs/benchmarks.md, "Memory state").
# Tried and left out (docs/benchmarks.md):
# - a fixed young generation (-Xmn512m): cost the DNS edge ~10 µs of average latency at 20k q/s
#   (its writes walk cold memory) and no longer helps the projector;
# - -XX:MaxTenuringThreshold=0: the projector's bootstrap of 1M distinct starts gained ~10 %, the
#   mix (the throughput target) nothing measurable; the DNS run with it had a round with a 21 ms
#   stall, which a GC log later did not pin on it (no full GC, 0.3 ms young pauses). Left out as
#   a flag that buys little.
# Override or add with SIXPN_JAVA_OPTS.
SIXPN_JVM_FLAGS=(
  --enable-native-access=ALL-UNNAMED
  --sun-misc-unsafe-memory-access=allow
  -Xmx384m
  -XX:MaxHeapFreeRatio=30
  -XX:MinHeapFreeRatio=10
  -XX:G1PeriodicGCInterval=30000
)
# glibc gives each thread that mallocs its own 64 MiB arena; RocksDB's flush and compaction
# threads, Netty's and the JVM's then leave ~100 MiB of half-empty arenas in RSS. Two are enough
# for an agent (its hot paths allocate on the Java heap).
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
