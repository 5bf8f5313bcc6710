package dev.sixpn.dataplane.maps;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
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
 * {@code sixpn_links}: HASH, key ifindex ({@code __u32}) of an instance's host-side link, value
 * {@code struct link_info}. from_instance drops anything from a link not in this map (anti-spoofing
 * by default).
 */
public final class LinkMap extends BpfMap<Integer, LinkInfo> {

  public static final String NAME = "sixpn_links";

  /** {@code struct link_info { __u8 addr[16]; __u32 flags; __u32 reserved; }} */
  public static final StructLayout VALUE =
      MemoryLayout.structLayout(
          MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("addr"),
          JAVA_INT.withName("flags"),
          JAVA_INT.withName("reserved"));

  static final MapCodec<LinkInfo> CODEC =
      new MapCodec<>() {
        @Override
        public MemoryLayout layout() {
          return VALUE;
        }

        @Override
        public void write(MemorySegment t, LinkInfo v) {
          MemorySegment.copy(v.address().toBytes(), 0, t, JAVA_BYTE, 0, 16);
          t.set(JAVA_INT, 16, v.flags());
          t.set(JAVA_INT, 20, 0);
        }

        @Override
        public LinkInfo read(MemorySegment s) {
          return new LinkInfo(
              SixpnAddress.fromBytes(s.asSlice(0, 16).toArray(JAVA_BYTE)), s.get(JAVA_INT, 16));
        }
      };

  public LinkMap(String path, MapOp.Observer observer) {
    super(path, MapInfo.BPF_MAP_TYPE_HASH, Codecs.U32, CODEC, observer);
  }
}
