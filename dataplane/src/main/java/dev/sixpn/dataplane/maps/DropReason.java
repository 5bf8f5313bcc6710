package dev.sixpn.dataplane.maps;

/**
 * Why a program dropped a packet: the index into {@code sixpn_drops}; same order as {@code enum
 * drop_reason}.
 */
public enum DropReason {
  MALFORMED,
  NOT_IPV6,
  NOT_CONFIGURED,
  UNKNOWN_LINK,
  SPOOFED_SOURCE,
  NOT_6PN_DEST,
  CROSS_NETWORK,
  HOST_NOT_ALLOWED,
  UNKNOWN_LOCAL_DEST,
  NO_MESH_FORM,
  MESH_NOT_MESH_FORM,
  MESH_WRONG_HOST,
  MESH_CROSS_NETWORK,
  MESH_UNKNOWN_DEST,
  /** from_instance: a multicast destination other than neighbour discovery (e.g. MLD reports). */
  MULTICAST,
  /** from_instance: a link-local source other than neighbour discovery. */
  LINK_LOCAL,
  /** from_underlay: a 6PN or mesh-form destination arriving outside WireGuard. */
  UNDERLAY_6PN;

  /** max_entries of sixpn_drops (room for reasons to come without reloading the map). */
  public static final int SLOTS = 32;

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
