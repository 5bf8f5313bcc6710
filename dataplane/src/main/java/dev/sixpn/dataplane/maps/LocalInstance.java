package dev.sixpn.dataplane.maps;

/**
 * A started instance of this host, or a peer whose gateway it is: the ifindex of the instance's
 * host-side link, or of the peer device with {@link #PEER} set.
 */
public record LocalInstance(int ifindex, int flags) {

  /** local_instance.flags LOCAL_PEER: a peer's address, behind the peer device. */
  public static final int PEER = 0x1;

  public LocalInstance {
    if (ifindex <= 0) {
      throw new IllegalArgumentException("ifindex must be positive, got " + ifindex);
    }
  }
}
