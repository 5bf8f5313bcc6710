package dev.sixpn.dataplane.maps;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.dataplane.bpf.BpfMap;
import dev.sixpn.dataplane.bpf.MapCodec;
import dev.sixpn.dataplane.bpf.MapInfo;
import dev.sixpn.dataplane.bpf.MapOp;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * {@code sixpn_locals}: HASH, key {@code struct in6_addr} (the 6PN form), value {@code struct
 * local_instance}. A destination on this host must be here, from a local link or from the mesh.
 */
public final class LocalsMap extends BpfMap<SixpnAddress, LocalInstance> {

  public static final String NAME = "sixpn_locals";

  /** {@code struct in6_addr} */
  public static final MemoryLayout KEY = Codecs.IN6_ADDR;

  /** {@code struct local_instance { __u32 ifindex; __u32 flags; }} */
  public static final StructLayout VALUE =
      MemoryLayout.structLayout(JAVA_INT.withName("ifindex"), JAVA_INT.withName("flags"));

  static final MapCodec<LocalInstance> CODEC =
      new MapCodec<>() {
        @Override
        public MemoryLayout layout() {
          return VALUE;
        }

        @Override
        public void write(MemorySegment t, LocalInstance v) {
          t.set(JAVA_INT, 0, v.ifindex());
          t.set(JAVA_INT, 4, v.flags());
        }

        @Override
        public LocalInstance read(MemorySegment s) {
          return new LocalInstance(s.get(JAVA_INT, 0), s.get(JAVA_INT, 4));
        }
      };

  public LocalsMap(String path, MapOp.Observer observer) {
    super(path, MapInfo.BPF_MAP_TYPE_HASH, Codecs.ADDRESS, CODEC, observer);
  }
}
