package dev.sixpn.dataplane.bpf;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.nio.charset.StandardCharsets;

/**
 * The head of {@code struct bpf_map_info} (include/uapi/linux/bpf.h); the kernel fills at most
 * {@code info_len} bytes, so reading only the head is allowed.
 */
public record MapInfo(
    int type, int id, int keySize, int valueSize, int maxEntries, int flags, String name) {

  public static final int BPF_MAP_TYPE_HASH = 1;
  public static final int BPF_MAP_TYPE_ARRAY = 2;
  public static final int BPF_MAP_TYPE_PERCPU_ARRAY = 6;
  public static final int BPF_MAP_TYPE_RINGBUF = 27;

  static final StructLayout LAYOUT =
      MemoryLayout.structLayout(
          JAVA_INT.withName("type"),
          JAVA_INT.withName("id"),
          JAVA_INT.withName("key_size"),
          JAVA_INT.withName("value_size"),
          JAVA_INT.withName("max_entries"),
          JAVA_INT.withName("map_flags"),
          MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("name"));

  static MapInfo read(MemorySegment s) {
    byte[] name = s.asSlice(24, 16).toArray(JAVA_BYTE);
    int len = 0;
    while (len < name.length && name[len] != 0) {
      len++;
    }
    return new MapInfo(
        s.get(JAVA_INT, 0),
        s.get(JAVA_INT, 4),
        s.get(JAVA_INT, 8),
        s.get(JAVA_INT, 12),
        s.get(JAVA_INT, 16),
        s.get(JAVA_INT, 20),
        new String(name, 0, len, StandardCharsets.US_ASCII));
  }
}
