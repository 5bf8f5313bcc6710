package dev.sixpn.dns.zone;

/**
 * Who asked: the network the query's source address belongs to, and for an instance its region (the
 * origin of the {@code top<N>.nearest.of.<app>} ordering).
 *
 * @param network the caller's network; {@link #HOST_NETWORK} for the host itself, which sees no
 *     network's names but may use forwarding
 * @param region the caller instance's region, or {@code null} when unknown (host, development
 *     loopback mapping)
 */
public record Caller(long network, String region) {

  /** Network 0 is the hosts' own: never created by orchestration, it holds the hosts' addresses. */
  public static final long HOST_NETWORK = 0;

  public Caller {
    if (network < 0 || network > 0xffff_ffffL) {
      throw new IllegalArgumentException("network must be in 0..4294967295, got " + network);
    }
    if (region != null && region.isEmpty()) {
      throw new IllegalArgumentException("region must be null or non-empty");
    }
  }

  public static Caller host() {
    return new Caller(HOST_NETWORK, null);
  }

  public boolean isHost() {
    return network == HOST_NETWORK;
  }
}
