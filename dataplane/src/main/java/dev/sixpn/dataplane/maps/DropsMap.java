package dev.sixpn.dataplane.maps;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.sixpn.dataplane.bpf.BpfMap;
import dev.sixpn.dataplane.bpf.MapCodec;
import dev.sixpn.dataplane.bpf.MapInfo;
import dev.sixpn.dataplane.bpf.MapOp;
import java.io.IOException;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/**
 * {@code sixpn_drops}: PERCPU_ARRAY, key reason ({@code __u32}), value {@code __u64} per CPU. A
 * lookup copies one 8-byte-aligned slot per possible CPU; the values read here are the sums.
 */
public final class DropsMap extends BpfMap<Integer, Long> {

  public static final String NAME = "sixpn_drops";

  public static final MemoryLayout VALUE = JAVA_LONG;

  static final MapCodec<Long> CODEC =
      new MapCodec<>() {
        @Override
        public MemoryLayout layout() {
          return VALUE;
        }

        @Override
        public void write(MemorySegment t, Long v) {
          t.set(JAVA_LONG, 0, v);
        }

        @Override
        public Long read(MemorySegment s) {
          return s.get(JAVA_LONG, 0);
        }
      };

  private final int cpus;

  public DropsMap(String path, MapOp.Observer observer) {
    this(path, observer, possibleCpus());
  }

  private DropsMap(String path, MapOp.Observer observer, int cpus) {
    super(path, MapInfo.BPF_MAP_TYPE_PERCPU_ARRAY, Codecs.U32, CODEC, 8L * cpus, observer);
    this.cpus = cpus;
    if (info().maxEntries() < DropReason.SLOTS) {
      close();
      throw new dev.sixpn.dataplane.bpf.BpfException(
          "map pinned at "
              + path
              + " has "
              + info().maxEntries()
              + " drop slots, this build needs "
              + DropReason.SLOTS
              + ": the pins are from another version; the agent replaces them on start (or remove the pin directory)");
    }
  }

  @Override
  protected Long readValue(MemorySegment raw) {
    long sum = 0;
    for (int cpu = 0; cpu < cpus; cpu++) {
      sum += raw.get(JAVA_LONG, 8L * cpu);
    }
    return sum;
  }

  @Override
  protected void writeValue(MemorySegment raw, Long v) {
    // Writing sets every CPU's slot; only used to reset counters (tests).
    for (int cpu = 0; cpu < cpus; cpu++) {
      raw.set(JAVA_LONG, 8L * cpu, cpu == 0 ? v : 0L);
    }
  }

  /** The drop count of every known reason, summed over CPUs. */
  public Map<DropReason, Long> counts() {
    Map<DropReason, Long> out = new EnumMap<>(DropReason.class);
    for (DropReason r : DropReason.values()) {
      out.put(r, lookup(r.ordinal()).orElse(0L));
    }
    return out;
  }

  public long count(DropReason reason) {
    return lookup(reason.ordinal()).orElse(0L);
  }

  /** Number of possible CPUs, from {@code /sys/devices/system/cpu/possible} (e.g. {@code 0-1}). */
  public static int possibleCpus() {
    try {
      String s = Files.readString(Path.of("/sys/devices/system/cpu/possible")).trim();
      int max = 0;
      for (String part : s.split(",")) {
        String[] range = part.split("-");
        max = Math.max(max, Integer.parseInt(range[range.length - 1]));
      }
      return max + 1;
    } catch (IOException | NumberFormatException e) {
      throw new IllegalStateException(
          "cannot read /sys/devices/system/cpu/possible (needed to size per-CPU map values): is /sys mounted?",
          e);
    }
  }
}
