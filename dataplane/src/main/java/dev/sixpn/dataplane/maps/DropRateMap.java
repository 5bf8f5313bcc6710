package dev.sixpn.dataplane.maps;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.sixpn.dataplane.bpf.BpfMap;
import dev.sixpn.dataplane.bpf.MapCodec;
import dev.sixpn.dataplane.bpf.MapInfo;
import dev.sixpn.dataplane.bpf.MapOp;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * {@code sixpn_droprate}: PERCPU_ARRAY[1] of {@code struct drop_rate}, the token bucket that bounds
 * the drop events each CPU writes to {@link DropEventsRing}. Read here for one number: the events
 * held back (by the bound, or because the ring was full), summed over CPUs.
 */
public final class DropRateMap extends BpfMap<Integer, Long> {

  public static final String NAME = "sixpn_droprate";

  /** {@code struct drop_rate}. */
  public static final StructLayout VALUE =
      MemoryLayout.structLayout(
          JAVA_LONG.withName("last_ns"),
          JAVA_LONG.withName("credit_ns"),
          JAVA_LONG.withName("suppressed"),
          JAVA_LONG.withName("pending"));

  private static final long SUPPRESSED =
      VALUE.byteOffset(MemoryLayout.PathElement.groupElement("suppressed"));

  /** Reads {@code suppressed}; the programs own the map, so nothing here writes it. */
  static final MapCodec<Long> CODEC =
      new MapCodec<>() {
        @Override
        public MemoryLayout layout() {
          return VALUE;
        }

        @Override
        public void write(MemorySegment t, Long v) {
          throw new UnsupportedOperationException("sixpn_droprate is written by the programs");
        }

        @Override
        public Long read(MemorySegment s) {
          return s.get(JAVA_LONG, SUPPRESSED);
        }
      };

  private final int cpus;

  public DropRateMap(String path, MapOp.Observer observer) {
    this(path, observer, DropsMap.possibleCpus());
  }

  private DropRateMap(String path, MapOp.Observer observer, int cpus) {
    super(
        path,
        MapInfo.BPF_MAP_TYPE_PERCPU_ARRAY,
        Codecs.U32,
        CODEC,
        VALUE.byteSize() * cpus,
        observer);
    this.cpus = cpus;
  }

  @Override
  protected Long readValue(MemorySegment raw) {
    long sum = 0;
    for (int cpu = 0; cpu < cpus; cpu++) {
      sum += raw.get(JAVA_LONG, VALUE.byteSize() * cpu + SUPPRESSED);
    }
    return sum;
  }

  @Override
  protected void writeValue(MemorySegment raw, Long v) {
    throw new UnsupportedOperationException("sixpn_droprate is written by the programs");
  }

  /** Drop events held back since the maps were created, over every CPU. */
  public long suppressed() {
    return lookup(0).orElse(0L);
  }
}
