# The JVM flags of every sixpn process (agent, demo, CLI) and of the benchmarks, which must measure
# what users run. Sourced by ./sixpn, bench/projector.sh and bench/dns/run.sh.
#
# - native access and Unsafe: RocksDB, Netty and the dataplane's bpf(2) calls (FFM).
# - -Xmx384m and the heap given back: the agent's RSS with 1M fleet instances within 600 MiB
#   (528-606 MiB in bench/fleet; 700-850 MiB with -Xmx512m). 1M live instances take 99-134 MiB of
#   heap, the dedup window 32-64 MiB, the DNS edge's answer cache at most 64 MiB (ZoneCache).
#   G1 grows the heap towards the ceiling while the projector folds; MaxHeapFreeRatio=30 lets the
#   remark of a concurrent cycle shrink it back to live/0.7, and G1PeriodicGCInterval starts such
#   a cycle after 30 s without a collection (a catch-up that ended). The ceiling's cost: a
#   catch-up from an empty store folds 8-19 % slower (docs/benchmarks.md, "Memory state");
#   SIXPN_JAVA_OPTS=-Xmx512m buys it back for ~130-190 MiB.
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
