package dev.sixpn.projector.store;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.events.HealthStatus;
import dev.sixpn.events.Port;
import dev.sixpn.state.Host;
import dev.sixpn.state.Instance;
import dev.sixpn.state.InstanceStatus;
import dev.sixpn.state.Peer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Compact binary values: a version byte, then fixed fields, then length-prefixed strings. Binary,
 * not JSON, because the store is read on every DNS cache miss and written on every fold.
 */
public final class ValueCodec {

  /** Version 1 had no flags byte (read as no flags). */
  static final byte INSTANCE_V1 = 1;

  /** Version 2: a flags byte after the status ({@link #FLAG_HOST_ACCESS}). */
  static final byte INSTANCE_V2 = 2;

  /**
   * Version 3: after the metadata, the named ports (a count byte, then name, u16 port and a
   * protocol byte, 0 tcp, 1 udp). Written only for an instance with ports, so that the values of
   * every other instance stay readable by a build that knows only version 2.
   */
  static final byte INSTANCE_V3 = 3;

  /**
   * Version 4: the ports as in version 3 (a count byte, possibly 0), then the health checks (a
   * count byte, then name and a status byte, {@link HealthStatus} ordinal). Written only for an
   * instance with checks, for the same reason as version 3.
   */
  static final byte INSTANCE_V4 = 4;

  static final int FLAG_HOST_ACCESS = 0x1;
  static final byte HOST_V1 = 1;

  private ValueCodec() {}

  public static byte[] encodeInstance(Instance i) {
    ByteBuffer b = ByteBuffer.allocate(35 + strings(i));
    byte version =
        !i.checks().isEmpty() ? INSTANCE_V4 : i.ports().isEmpty() ? INSTANCE_V2 : INSTANCE_V3;
    b.put(version);
    b.put((byte) i.status().ordinal());
    b.put((byte) (i.hostAccess() ? FLAG_HOST_ACCESS : 0));
    b.putInt((int) i.network());
    b.putInt((int) i.host());
    b.put(i.address().toBytes());
    putString(b, i.instanceId());
    putString(b, i.app());
    putString(b, i.processGroup());
    putString(b, i.region());
    b.putShort((short) i.metadata().size());
    for (Map.Entry<String, String> e : i.metadata().entrySet()) {
      putString(b, e.getKey());
      putString(b, e.getValue());
    }
    if (version >= INSTANCE_V3) {
      b.put((byte) i.ports().size());
      for (Port p : i.ports()) {
        putString(b, p.name());
        b.putShort((short) p.port());
        b.put((byte) (p.protocol().equals("udp") ? 1 : 0));
      }
    }
    if (version == INSTANCE_V4) {
      b.put((byte) i.checks().size());
      for (Map.Entry<String, HealthStatus> c : i.checks().entrySet()) {
        putString(b, c.getKey());
        b.put((byte) c.getValue().ordinal());
      }
    }
    return java.util.Arrays.copyOf(b.array(), b.position());
  }

  private static int strings(Instance i) {
    int n =
        i.instanceId().length()
            + i.app().length()
            + i.processGroup().length()
            + i.region().length()
            + 2;
    for (Map.Entry<String, String> e : i.metadata().entrySet()) {
      n +=
          4
              + e.getKey().getBytes(StandardCharsets.UTF_8).length
              + e.getValue().getBytes(StandardCharsets.UTF_8).length;
    }
    n += 1;
    for (Port p : i.ports()) {
      n += 2 + p.name().length() + 3;
    }
    n += 1;
    for (String check : i.checks().keySet()) {
      n += 2 + check.length() + 1;
    }
    return n;
  }

  public static Instance decodeInstance(byte[] v) {
    return decodeInstance(v, UnaryOperator.identity());
  }

  /**
   * Decodes with {@code names} applied to the strings many instances share (app, process group,
   * region), so a state of a million instances keeps one copy of each.
   */
  static Instance decodeInstance(byte[] v, UnaryOperator<String> names) {
    ByteBuffer b = ByteBuffer.wrap(v);
    byte version = b.get();
    if (version < INSTANCE_V1 || version > INSTANCE_V4) {
      throw new IllegalStateException("unknown instance value version " + version);
    }
    InstanceStatus status = InstanceStatus.values()[b.get()];
    int flags = version == INSTANCE_V1 ? 0 : b.get();
    long network = b.getInt() & 0xffff_ffffL;
    long host = b.getInt() & 0xffff_ffffL;
    byte[] addr = new byte[16];
    b.get(addr);
    String id = getString(b);
    String app = names.apply(getString(b));
    String group = names.apply(getString(b));
    String region = names.apply(getString(b));
    int n = b.getShort();
    Map<String, String> meta;
    if (n == 0) {
      meta = Map.of();
    } else {
      meta = new LinkedHashMap<>();
      for (int k = 0; k < n; k++) {
        meta.put(getString(b), getString(b));
      }
    }
    List<Port> ports = List.of();
    if (version >= INSTANCE_V3) {
      int count = b.get() & 0xff;
      Port[] read = new Port[count];
      for (int k = 0; k < count; k++) {
        read[k] = new Port(getString(b), b.getShort() & 0xffff, b.get() == 1 ? "udp" : "tcp");
      }
      ports = List.of(read);
    }
    Map<String, HealthStatus> checks = Map.of();
    if (version == INSTANCE_V4) {
      int count = b.get() & 0xff;
      checks = new LinkedHashMap<>();
      for (int k = 0; k < count; k++) {
        checks.put(getString(b), HealthStatus.values()[b.get()]);
      }
    }
    return new Instance(
        id,
        network,
        app,
        group,
        host,
        region,
        SixpnAddress.fromBytes(addr),
        status,
        meta,
        (flags & FLAG_HOST_ACCESS) != 0,
        ports,
        checks);
  }

  /**
   * Decodes an instance row straight into the memory state's form: no {@link Instance}, no address
   * object, and the strings many instances share resolved through {@code names} without a copy
   * each. What the load runs a million times.
   */
  static StoredInstance decodeStored(byte[] v, ProjectedState.RowNames names) {
    int version = v[0];
    if (version != INSTANCE_V1
        && version != INSTANCE_V2
        && version != INSTANCE_V3
        && version != INSTANCE_V4) {
      throw new IllegalStateException("unknown instance value version " + version);
    }
    InstanceStatus status = InstanceStatus.values()[v[1]];
    int at = 2;
    int flags = version == INSTANCE_V1 ? 0 : v[at++];
    long network = u32(v, at);
    long host = u32(v, at + 4);
    int addr = at + 8;
    at = addr + 16;
    int idLen = u16(v, at);
    byte[] id = java.util.Arrays.copyOfRange(v, at + 2, at + 2 + idLen);
    at += 2 + idLen;
    int appLen = u16(v, at);
    ProjectedState.AppNode app = names.app(network, v, at + 2, appLen);
    at += 2 + appLen;
    int groupLen = u16(v, at);
    String group = names.name(v, at + 2, groupLen);
    at += 2 + groupLen;
    int regionLen = u16(v, at);
    String region = names.name(v, at + 2, regionLen);
    at += 2 + regionLen;
    boolean conventional =
        u16(v, addr) == SixpnAddress.PREFIX
            && u32(v, addr + 2) == network
            && u32(v, addr + 6) == host
            && u16(v, addr + 14) == SixpnAddress.ROLE_INSTANCE;
    int entries = u16(v, at);
    at += 2;
    Map<String, String> meta = Map.of();
    if (entries > 0) {
      meta = new LinkedHashMap<>();
      for (int k = 0; k < entries; k++) {
        int keyLen = u16(v, at);
        // Keys repeat across instances (labels): one copy each, like process groups.
        String key = names.name(v, at + 2, keyLen);
        at += 2 + keyLen;
        int valueLen = u16(v, at);
        meta.put(key, new String(v, at + 2, valueLen, StandardCharsets.UTF_8));
        at += 2 + valueLen;
      }
    }
    List<Port> ports = List.of();
    if (version >= INSTANCE_V3) {
      Port[] read = new Port[v[at++] & 0xff];
      for (int k = 0; k < read.length; k++) {
        int nameLen = u16(v, at);
        String name = names.name(v, at + 2, nameLen);
        at += 2 + nameLen;
        read[k] = new Port(name, u16(v, at), v[at + 2] == 1 ? "udp" : "tcp");
        at += 3;
      }
      ports = List.of(read);
    }
    Map<String, HealthStatus> checks = Map.of();
    if (version == INSTANCE_V4) {
      int count = v[at++] & 0xff;
      checks = new LinkedHashMap<>();
      for (int k = 0; k < count; k++) {
        int nameLen = u16(v, at);
        String check = names.name(v, at + 2, nameLen);
        at += 2 + nameLen;
        checks.put(check, HealthStatus.values()[v[at++]]);
      }
    }
    StoredInstance.Extra extra =
        StoredInstance.extra(
            meta,
            ports,
            checks,
            conventional
                ? null
                : SixpnAddress.fromBytes(java.util.Arrays.copyOfRange(v, addr, addr + 16)));
    return new StoredInstance(
        id,
        app,
        group,
        region,
        (int) host,
        (int) u32(v, addr + 10),
        status,
        (flags & FLAG_HOST_ACCESS) != 0,
        extra);
  }

  private static int u16(byte[] b, int off) {
    return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
  }

  private static long u32(byte[] b, int off) {
    return ((long) u16(b, off) << 16) | u16(b, off + 2);
  }

  static final byte PEER_V1 = 1;

  /** version(1) network(4) gateway(4) address(16) name key. */
  public static byte[] encodePeer(Peer p) {
    byte[] name = p.name().getBytes(StandardCharsets.UTF_8);
    byte[] key = p.publicKey().getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(1 + 4 + 4 + 16 + 4 + name.length + key.length);
    b.put(PEER_V1).putInt((int) p.network()).putInt((int) p.gatewayHost());
    b.put(p.address().toBytes());
    putBytes(b, name);
    putBytes(b, key);
    return b.array();
  }

  public static Peer decodePeer(byte[] v) {
    ByteBuffer b = ByteBuffer.wrap(v);
    byte version = b.get();
    if (version != PEER_V1) {
      throw new IllegalStateException("unknown peer value version " + version);
    }
    long network = b.getInt() & 0xffff_ffffL;
    long gateway = b.getInt() & 0xffff_ffffL;
    byte[] address = new byte[16];
    b.get(address);
    String name = getString(b);
    return new Peer(network, name, getString(b), gateway, SixpnAddress.fromBytes(address));
  }

  public static byte[] encodeHost(Host h) {
    byte[] region = h.region().getBytes(StandardCharsets.UTF_8);
    byte[] key = h.wireguardPublicKey().getBytes(StandardCharsets.UTF_8);
    byte[] endpoint = h.endpoint().getBytes(StandardCharsets.UTF_8);
    ByteBuffer b =
        ByteBuffer.allocate(1 + 4 + 16 + 6 + region.length + key.length + endpoint.length);
    b.put(HOST_V1).putInt((int) h.host()).putDouble(h.latitude()).putDouble(h.longitude());
    putBytes(b, region);
    putBytes(b, key);
    putBytes(b, endpoint);
    return b.array();
  }

  public static Host decodeHost(byte[] v) {
    ByteBuffer b = ByteBuffer.wrap(v);
    byte version = b.get();
    if (version != HOST_V1) {
      throw new IllegalStateException("unknown host value version " + version);
    }
    long host = b.getInt() & 0xffff_ffffL;
    double lat = b.getDouble();
    double lon = b.getDouble();
    return new Host(host, getString(b), lat, lon, getString(b), getString(b));
  }

  private static void putString(ByteBuffer b, String s) {
    putBytes(b, s.getBytes(StandardCharsets.UTF_8));
  }

  private static void putBytes(ByteBuffer b, byte[] s) {
    b.putShort((short) s.length);
    b.put(s);
  }

  private static String getString(ByteBuffer b) {
    int n = b.getShort() & 0xffff;
    String s = new String(b.array(), b.position(), n, StandardCharsets.UTF_8);
    b.position(b.position() + n);
    return s;
  }
}
