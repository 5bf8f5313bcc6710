package dev.sixpn.dataplane.maps;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.dataplane.bpf.MapCodec;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/** Codecs shared by several maps. */
final class Codecs {

  private Codecs() {}

  /** A {@code __u32} key in host byte order (ifindex, array index). */
  static final MapCodec<Integer> U32 =
      new MapCodec<>() {
        @Override
        public MemoryLayout layout() {
          return JAVA_INT;
        }

        @Override
        public void write(MemorySegment target, Integer value) {
          target.set(JAVA_INT, 0, value);
        }

        @Override
        public Integer read(MemorySegment source) {
          return source.get(JAVA_INT, 0);
        }
      };

  /** {@code struct in6_addr}: 16 bytes in network order. */
  static final MemoryLayout IN6_ADDR = MemoryLayout.sequenceLayout(16, JAVA_BYTE);

  static final MapCodec<SixpnAddress> ADDRESS =
      new MapCodec<>() {
        @Override
        public MemoryLayout layout() {
          return IN6_ADDR;
        }

        @Override
        public void write(MemorySegment target, SixpnAddress value) {
          MemorySegment.copy(value.toBytes(), 0, target, JAVA_BYTE, 0, 16);
        }

        @Override
        public SixpnAddress read(MemorySegment source) {
          return SixpnAddress.fromBytes(source.asSlice(0, 16).toArray(JAVA_BYTE));
        }
      };
}
