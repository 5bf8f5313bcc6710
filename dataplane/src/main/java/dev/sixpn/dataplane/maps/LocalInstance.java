package dev.sixpn.dataplane.maps;

/** A started instance of this host: the ifindex of its host-side link. */
public record LocalInstance(int ifindex, int flags) {

  public LocalInstance {
    if (ifindex <= 0) {
      throw new IllegalArgumentException("ifindex must be positive, got " + ifindex);
    }
  }
}
