package dev.sixpn.projector.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Key layouts of the column families, designed for prefix scans. Ids are 4-byte big-endian unsigned
 * (so byte order is numeric order); names are ASCII DNS labels ended by a 0 byte (a label never
 * contains 0, so {@code app\0} is never a prefix of another app's key).
 *
 * <pre>
 * instances   net(4) app 0 id                 → {@link ValueCodec#encodeInstance}
 * by_address  address(16)                     → instances key
 * by_region   net(4) app 0 region 0 id        → ∅   (started instances only)
 * by_group    net(4) app 0 group 0 id         → ∅   (started instances only)
 * by_host     host(4) net(4) app 0 id         → ∅   (started and stopped)
 * apps        net(4) app                      → 1 created / 0 implied by an instance
 * networks    net(4)                          → name (UTF-8, may be empty)
 * hosts       host(4)                         → {@link ValueCodec#encodeHost}
 * event_ids   eventId (UTF-8)                 → ∅   (dedupe)
 * quarantine  partition(4) offset(8)          → JSON
 * meta        "offset/" partition(4)          → next offset(8); "schema" → version(4)
 * </pre>
 */
public final class Keys {

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

  static byte[] appRow(long network, String app) {
    return concat(u32(network), ascii(app));
  }

  static byte[] instance(long network, String app, String instanceId) {
    return concat(app(network, app), ascii(instanceId));
  }

  static byte[] region(long network, String app, String region) {
    return concat(app(network, app), ascii(region), new byte[] {0});
  }

  static byte[] regionEntry(long network, String app, String region, String instanceId) {
    return concat(region(network, app, region), ascii(instanceId));
  }

  static byte[] group(long network, String app, String group) {
    return concat(app(network, app), ascii(group), new byte[] {0});
  }

  static byte[] groupEntry(long network, String app, String group, String instanceId) {
    return concat(group(network, app, group), ascii(instanceId));
  }

  static byte[] hostEntry(long host, long network, String app, String instanceId) {
    return concat(u32(host), instance(network, app, instanceId));
  }

  /** The instances key inside a by_region, by_group or by_host key: the suffix after the prefix. */
  static String lastLabel(byte[] key) {
    int i = key.length;
    while (i > 0 && key[i - 1] != 0) {
      i--;
    }
    return new String(key, i, key.length - i, StandardCharsets.US_ASCII);
  }

  static String appOfRow(byte[] appRow) {
    return new String(appRow, 4, appRow.length - 4, StandardCharsets.US_ASCII);
  }

  static byte[] quarantine(int partition, long offset) {
    return ByteBuffer.allocate(12).putInt(partition).putLong(offset).array();
  }

  static byte[] offset(int partition) {
    return concat(OFFSET_PREFIX, ByteBuffer.allocate(4).putInt(partition).array());
  }

  static final byte[] OFFSET_PREFIX = "offset/".getBytes(StandardCharsets.US_ASCII);
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
