package dev.sixpn.events;

import dev.sixpn.address.SixpnAddress;
import java.util.Set;

/** Field validation shared by the event records; every message names the field. */
public final class Validate {

  /** Region labels that would collide with the name forms of the zone. */
  static final Set<String> RESERVED_REGIONS =
      Set.of("global", "regions", "vms", "vm", "all", "process", "nearest", "of", "_instances");

  public static final int MAX_METADATA_ENTRIES = 32;
  public static final int MAX_METADATA_LENGTH = 255;
  public static final int MAX_PORTS = 16;

  /** Health checks one instance may have (distinct check names). */
  public static final int MAX_CHECKS = 16;

  private Validate() {}

  static <T> T notNull(String field, T value) {
    if (value == null) {
      throw new IllegalArgumentException(field + " is required");
    }
    return value;
  }

  /**
   * Checks {@code value} is a DNS label: 1–63 of {@code a-z 0-9 -}, no leading or trailing hyphen.
   */
  public static String label(String field, String value) {
    notNull(field, value);
    if (value.length() > 63) {
      throw new IllegalArgumentException(
          field + " must be at most 63 characters (a DNS label), got " + value.length());
    }
    if (!isLabel(value)) {
      throw new IllegalArgumentException(
          field
              + " must be a DNS label (lowercase a-z, 0-9 and '-', not starting or ending with '-'), got '"
              + value
              + "'");
    }
    return value;
  }

  /**
   * RFC 1035 §2.3.1 label, lowercase only (names are matched case-insensitively): {@code
   * [a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?}. A loop, not a regex: every event is checked on the hot
   * path of the projector, and the regex was a tenth of decoding.
   */
  public static boolean isLabel(String s) {
    int n = s.length();
    if (n == 0 || n > 63 || s.charAt(0) == '-' || s.charAt(n - 1) == '-') {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
        return false;
      }
    }
    return true;
  }

  /** {@code [A-Za-z0-9._:-]{1,64}}. */
  static boolean isEventId(String s) {
    int n = s.length();
    if (n == 0 || n > 64) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '_'
              || c == ':'
              || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  static String region(String field, String value) {
    label(field, value);
    if (RESERVED_REGIONS.contains(value)) {
      throw new IllegalArgumentException(
          field + " '" + value + "' is reserved by the .internal zone's name forms");
    }
    return value;
  }

  static String eventId(String value) {
    notNull("eventId", value);
    if (!isEventId(value)) {
      throw new IllegalArgumentException(
          "eventId must be 1-64 characters of A-Z a-z 0-9 . _ : -, got '" + value + "'");
    }
    return value;
  }

  /** Networks 1..2³²−1; network 0 is the hosts' own and never created by orchestration. */
  static long network(long value) {
    if (value < 1 || value > 0xffff_ffffL) {
      throw new IllegalArgumentException("network must be in 1..4294967295, got " + value);
    }
    return value;
  }

  static long host(long value) {
    if (value < 1 || value > 0xffff_ffffL) {
      throw new IllegalArgumentException("host must be in 1..4294967295, got " + value);
    }
    return value;
  }

  static double latitude(Double value) {
    notNull("latitude", value);
    if (!(value >= -90 && value <= 90)) {
      throw new IllegalArgumentException("latitude must be in -90..90, got " + value);
    }
    return value;
  }

  static double longitude(Double value) {
    notNull("longitude", value);
    if (!(value >= -180 && value <= 180)) {
      throw new IllegalArgumentException("longitude must be in -180..180, got " + value);
    }
    return value;
  }

  /** The fields every app event has. */
  static void appRef(String eventId, java.time.Instant time, long network, String app) {
    eventId(eventId);
    notNull("time", time);
    network(network);
    label("app", app);
  }

  /** The fields every instance event that names an existing instance has. */
  static void instanceRef(
      String eventId, java.time.Instant time, String instanceId, long network, String app) {
    eventId(eventId);
    notNull("time", time);
    label("instanceId", instanceId);
    network(network);
    label("app", app);
  }

  /** The address must be an instance address of {@code network} on {@code host}. */
  static SixpnAddress instanceAddress(SixpnAddress address, long network, long host) {
    notNull("address", address);
    if (address.network() != network) {
      throw new IllegalArgumentException(
          "address "
              + address
              + " is in network "
              + address.network()
              + ", but network is "
              + network);
    }
    if (address.host() != host) {
      throw new IllegalArgumentException(
          "address " + address + " is on host " + address.host() + ", but host is " + host);
    }
    if (address.role() != SixpnAddress.ROLE_INSTANCE || address.instance() == 0) {
      throw new IllegalArgumentException(
          "address " + address + " is not an instance address (role 2, instance ≥ 1)");
    }
    return address;
  }

  /** A WireGuard public key: base64 of 32 bytes, as {@code wg pubkey} prints it. */
  static String wireguardKey(String field, String value) {
    notNull(field, value);
    byte[] key;
    try {
      key = java.util.Base64.getDecoder().decode(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + " must be base64, got '" + value + "'");
    }
    if (key.length != 32) {
      throw new IllegalArgumentException(
          field + " must be 32 bytes (base64, 44 characters), got " + key.length + " bytes");
    }
    return value;
  }

  /** The address must be a peer address of {@code network} on its gateway {@code host}. */
  static SixpnAddress peerAddress(SixpnAddress address, long network, long host) {
    notNull("address", address);
    if (address.network() != network || address.host() != host) {
      throw new IllegalArgumentException(
          "address " + address + " must be in network " + network + " on gateway host " + host);
    }
    if (address.role() != SixpnAddress.ROLE_PEER || address.instance() == 0) {
      throw new IllegalArgumentException(
          "address " + address + " is not a peer address (role 4, number ≥ 1)");
    }
    return address;
  }
}
