package dev.sixpn.projector.store;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.events.HealthStatus;
import dev.sixpn.events.Port;
import dev.sixpn.state.Instance;
import dev.sixpn.state.InstanceStatus;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * An instance as the memory state holds it: 48 bytes and its id's bytes, where an {@link Instance}
 * with its id string and address record is ~150. Network and app come from the app's node; the
 * address is derived from network, host and the instance number it carries (the events guarantee
 * that form); what most instances do not have — metadata, ports, an address of another form — sits
 * in one {@link Extra}, null otherwise. Readers get {@link Instance} values made on each read.
 *
 * <p>Immutable: a change is a new object put in place of the old one.
 */
final class StoredInstance {

  private static final InstanceStatus[] STATUSES = InstanceStatus.values();
  private static final int FLAG_HOST_ACCESS = 1;

  /** The id is ASCII (as DNS labels are): read back as Latin-1, a plain copy. */
  private static final int FLAG_ASCII_ID = 2;

  /** The id, UTF-8 (in practice a DNS label: ASCII). */
  final byte[] id;

  final ProjectedState.AppNode app;
  final String processGroup;
  final String region;

  /** Host and the address's instance number: u32 each, kept in an int. */
  final int host;

  final int number;

  /** {@link #idHash(byte[])} of the id: probes compare it before they read the id. */
  final int idHash;

  private final byte status;
  private final byte flags;

  /** Null, or what few instances have. */
  private final Extra extra;

  /**
   * Metadata, ports, health checks, and the address when it is not the instance's conventional one.
   */
  record Extra(
      Map<String, String> metadata,
      List<Port> ports,
      Map<String, HealthStatus> checks,
      SixpnAddress address) {}

  StoredInstance(
      byte[] id,
      ProjectedState.AppNode app,
      String processGroup,
      String region,
      int host,
      int number,
      InstanceStatus status,
      boolean hostAccess,
      Extra extra) {
    this.id = id;
    this.app = app;
    this.processGroup = processGroup;
    this.region = region;
    this.host = host;
    this.number = number;
    this.idHash = idHash(id);
    this.status = (byte) status.ordinal();
    this.flags = (byte) ((hostAccess ? FLAG_HOST_ACCESS : 0) | (ascii(id) ? FLAG_ASCII_ID : 0));
    this.extra = extra;
  }

  /** {@code i} in its app's node; {@code names} gives the state's copy of a repeated string. */
  static StoredInstance of(
      Instance i, ProjectedState.AppNode app, java.util.function.UnaryOperator<String> names) {
    SixpnAddress a = i.address();
    return new StoredInstance(
        idBytes(i.instanceId()),
        app,
        names.apply(i.processGroup()),
        names.apply(i.region()),
        (int) i.host(),
        (int) a.instance(),
        i.status(),
        i.hostAccess(),
        extra(
            labels(i.metadata(), names),
            i.ports(),
            i.checks(),
            conventional(a, i.network(), i.host()) ? null : a));
  }

  /** The metadata with the state's copy of each key: keys repeat across instances, values less. */
  private static Map<String, String> labels(
      Map<String, String> metadata, java.util.function.UnaryOperator<String> names) {
    if (metadata.isEmpty()) {
      return metadata;
    }
    if (metadata.size() == 1) {
      Map.Entry<String, String> e = metadata.entrySet().iterator().next();
      return Map.of(names.apply(e.getKey()), e.getValue());
    }
    Map<String, String> out = new java.util.LinkedHashMap<>();
    metadata.forEach((k, v) -> out.put(names.apply(k), v));
    return out;
  }

  /** Whether the address is the one network, host and instance number make. */
  static boolean conventional(SixpnAddress a, long network, long host) {
    return a.network() == network && a.host() == host && a.role() == SixpnAddress.ROLE_INSTANCE;
  }

  /**
   * Null when the instance has none of it: no metadata, no ports, no checks, its conventional
   * address.
   */
  static Extra extra(
      Map<String, String> metadata,
      List<Port> ports,
      Map<String, HealthStatus> checks,
      SixpnAddress address) {
    return metadata.isEmpty() && ports.isEmpty() && checks.isEmpty() && address == null
        ? null
        : new Extra(Map.copyOf(metadata), List.copyOf(ports), Map.copyOf(checks), address);
  }

  long network() {
    return app.network;
  }

  long hostId() {
    return host & 0xffff_ffffL;
  }

  boolean started() {
    return status == InstanceStatus.STARTED.ordinal();
  }

  SixpnAddress address() {
    return extra != null && extra.address() != null
        ? extra.address()
        : SixpnAddress.ofInstance(app.network, hostId(), number & 0xffff_ffffL);
  }

  boolean hasAddress(SixpnAddress a) {
    if (extra != null && extra.address() != null) {
      return extra.address().equals(a);
    }
    return a.instance() == (number & 0xffff_ffffL)
        && a.host() == hostId()
        && a.role() == SixpnAddress.ROLE_INSTANCE
        && a.network() == app.network;
  }

  /** Hash of the address, as {@link #addressHash(SixpnAddress)} computes it for a lookup. */
  int addressHash() {
    return extra != null && extra.address() != null
        ? addressHash(extra.address())
        : addressHash(app.network, number & 0xffff_ffffL, SixpnAddress.ROLE_INSTANCE);
  }

  static int addressHash(SixpnAddress a) {
    return addressHash(a.network(), a.instance(), a.role());
  }

  private static int addressHash(long network, long number, int role) {
    return OpenTable.hashLong((network << 32) ^ number ^ ((long) role << 48));
  }

  /** Whether both have the same address. */
  boolean sameAddress(StoredInstance o) {
    if (extra == null && o.extra == null) {
      return number == o.number && host == o.host && app.network == o.app.network;
    }
    return address().equals(o.address());
  }

  /** The same instance: same app node and id (the values may differ). */
  boolean sameInstance(StoredInstance o) {
    return app == o.app && sameId(o);
  }

  String instanceId() {
    return new String(
        id, (flags & FLAG_ASCII_ID) != 0 ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
  }

  private static boolean ascii(byte[] b) {
    for (byte x : b) {
      if (x < 0) {
        return false;
      }
    }
    return true;
  }

  /** The read API's value. */
  Instance toInstance() {
    return new Instance(
        instanceId(),
        app.network,
        app.name,
        processGroup,
        hostId(),
        region,
        address(),
        STATUSES[status],
        extra == null ? Map.of() : extra.metadata(),
        (flags & FLAG_HOST_ACCESS) != 0,
        extra == null ? List.of() : extra.ports(),
        extra == null ? Map.of() : extra.checks());
  }

  // ---- ids ----

  static byte[] idBytes(String id) {
    return id.getBytes(StandardCharsets.UTF_8);
  }

  /** Hash of an id, the same for its string and its bytes. */
  static int idHash(byte[] id) {
    int h = 0;
    for (byte b : id) {
      h = 31 * h + (b & 0xff);
    }
    return h;
  }

  static int idHash(String id) {
    int h = 0;
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c >= 0x80) {
        return idHash(idBytes(id));
      }
      h = 31 * h + c;
    }
    return h;
  }

  boolean idEquals(String s) {
    int n = s.length();
    if (n != id.length) {
      // A non-ASCII id has more bytes than chars: compare its bytes.
      return n < id.length && Arrays.equals(id, idBytes(s));
    }
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        return Arrays.equals(id, idBytes(s));
      }
      if (c != id[i]) {
        return false;
      }
    }
    return true;
  }

  /** Whether the id is {@code s}, whose {@link #idHash(String)} is {@code hash}. */
  boolean hasId(int hash, String s) {
    return idHash == hash && idEquals(s);
  }

  boolean sameId(StoredInstance o) {
    return idHash == o.idHash && Arrays.equals(id, o.id);
  }
}
