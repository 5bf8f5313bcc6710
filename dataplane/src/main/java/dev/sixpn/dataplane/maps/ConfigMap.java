package dev.sixpn.dataplane.maps;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.sixpn.dataplane.bpf.BpfMap;
import dev.sixpn.dataplane.bpf.MapCodec;
import dev.sixpn.dataplane.bpf.MapInfo;
import dev.sixpn.dataplane.bpf.MapOp;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/** {@code sixpn_config}: ARRAY, key {@code __u32} 0, value {@code struct sixpn_config}. */
public final class ConfigMap extends BpfMap<Integer, HostConfig> {

  public static final String NAME = "sixpn_config";

  /** {@code struct sixpn_config { __u32 host; __u32 flags; }} */
  public static final StructLayout VALUE =
      MemoryLayout.structLayout(JAVA_INT.withName("host"), JAVA_INT.withName("flags"));

  static final MapCodec<HostConfig> CODEC =
      new MapCodec<>() {
        @Override
        public MemoryLayout layout() {
          return VALUE;
        }

        @Override
        public void write(MemorySegment t, HostConfig v) {
          t.set(JAVA_INT, 0, (int) v.host());
          t.set(JAVA_INT, 4, v.flags());
        }

        @Override
        public HostConfig read(MemorySegment s) {
          return new HostConfig(Integer.toUnsignedLong(s.get(JAVA_INT, 0)), s.get(JAVA_INT, 4));
        }
      };

  public ConfigMap(String path, MapOp.Observer observer) {
    super(path, MapInfo.BPF_MAP_TYPE_ARRAY, Codecs.U32, CODEC, observer);
  }

  public HostConfig get() {
    return lookup(0).orElseThrow();
  }

  public void set(HostConfig config) {
    put(0, config);
  }
}
