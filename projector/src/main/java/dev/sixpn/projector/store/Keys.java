package dev.sixpn.projector.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Key layouts of the column families, designed for prefix scans. Ids are 4-byte big-endian unsigned
 * (so byte order is numeric order); names are ASCII DNS labels ended by a 0 byte (a label never
 * contains 0, so {@code app\0} is never a prefix of another app's key).
 *
 * <p>Only primary rows are stored: the indexes the queries use (by address, region, process group,
 * host) are derived, and {@link ProjectedState} keeps them in memory, rebuilt on open.
 *
 * <pre>
 * instances   net(4) app 0 id                 → {@link ValueCodec#encodeInstance}
 * apps        net(4) app                      → 1 created / 0 implied by an instance
 * networks    net(4)                          → name (UTF-8, may be empty)
 * hosts       host(4)                         → {@link ValueCodec#encodeHost}
 * event_ids   partition(4) time(8) eventId    → ∅   (the dedup window, see {@link EventIdSet})
 * quarantine  partition(4) offset(8)          → JSON
 * parked      net(4) app 0 id                 → destroyed(1) event time(8): see {@link ParkedEnd}
 * peers       net(4) name                     → {@link ValueCodec#encodePeer}
 * meta        "offset/" partition(4)          → next offset(8); "schema" → version(4);
 *             "dedup/" partition(4)           → watermark(8) purged(8), event-time milliseconds
 *             "topic"                         → topic id (UTF-8) 0 partition count(4), as last read
 * </pre>
 */
public final class Keys {

  static final byte[] EMPTY = new byte[0];

  private Keys() {}

  public static byte[] u32(long v) {
    return ByteBuffer.allocate(4).putInt((int) v).array();
  }

  public static long readU32(byte[] b, int off) {
    return ByteBuffer.wrap(b, off, 4).getInt() & 0xffff_ffffL;
  }

  static byte[] network(long network) {
    return u32(network);
  }

  static byte[] app(long network, String app) {
    return concat(u32(network), ascii(app), new byte[] {0});
  }

  static byte[] peer(long network, String name) {
    return concat(u32(network), ascii(name));
  }

  static byte[] appRow(long network, String app) {
    return concat(u32(network), ascii(app));
  }

  static byte[] instance(long network, String app, String instanceId) {
    // Built in place: this runs for every instance row a batch writes.
    byte[] out = new byte[4 + app.length() + 1 + instanceId.length()];
    out[0] = (byte) (network >>> 24);
    out[1] = (byte) (network >>> 16);
    out[2] = (byte) (network >>> 8);
    out[3] = (byte) network;
    int at = 4;
    for (int i = 0; i < app.length(); i++) {
      out[at++] = (byte) app.charAt(i);
    }
    out[at++] = 0;
    for (int i = 0; i < instanceId.length(); i++) {
      out[at++] = (byte) instanceId.charAt(i);
    }
    return out;
  }

  static InstanceRef instanceRefOf(byte[] key) {
    int zero = 4;
    while (key[zero] != 0) {
      zero++;
    }
    return new InstanceRef(
        readU32(key, 0),
        new String(key, 4, zero - 4, StandardCharsets.US_ASCII),
        new String(key, zero + 1, key.length - zero - 1, StandardCharsets.US_ASCII));
  }

  static String appOfRow(byte[] appRow) {
    return new String(appRow, 4, appRow.length - 4, StandardCharsets.US_ASCII);
  }

  static byte[] quarantine(int partition, long offset) {
    return ByteBuffer.allocate(12).putInt(partition).putLong(offset).array();
  }

  /** Event time (ms) after the partition: a partition's ids older than T are one key range. */
  static byte[] eventId(long mark, String eventId) {
    byte[] out = new byte[12 + eventId.length()];
    ByteBuffer.wrap(out)
        .putInt(EventIdSet.partitionOf(mark))
        .putLong(EventIdSet.timeOf(mark))
        .put(eventId.getBytes(StandardCharsets.US_ASCII));
    return out;
  }

  /** The mark of an {@code event_ids} key. */
  static long eventIdMark(byte[] key) {
    ByteBuffer b = ByteBuffer.wrap(key);
    return EventIdSet.mark(b.getInt(), b.getLong());
  }

  static String eventIdOf(byte[] key) {
    return new String(key, 12, key.length - 12, StandardCharsets.US_ASCII);
  }

  /** The first key of the partition's ids at or after {@code timeMillis}: a range's end. */
  static byte[] eventIdsFrom(int partition, long timeMillis) {
    return ByteBuffer.allocate(12).putInt(partition).putLong(timeMillis).array();
  }

  static byte[] dedup(int partition) {
    return concat(DEDUP_PREFIX, ByteBuffer.allocate(4).putInt(partition).array());
  }

  static final byte[] DEDUP_PREFIX = "dedup/".getBytes(StandardCharsets.US_ASCII);

  static byte[] offset(int partition) {
    return concat(OFFSET_PREFIX, ByteBuffer.allocate(4).putInt(partition).array());
  }

  static final byte[] OFFSET_PREFIX = "offset/".getBytes(StandardCharsets.US_ASCII);
  static final byte[] TOPIC = "topic".getBytes(StandardCharsets.US_ASCII);
  static final byte[] SCHEMA = "schema".getBytes(StandardCharsets.US_ASCII);

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  static boolean startsWith(byte[] key, byte[] prefix) {
    return key.length >= prefix.length
        && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
  }
}
