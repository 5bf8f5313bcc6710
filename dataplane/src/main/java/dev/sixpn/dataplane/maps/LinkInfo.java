package dev.sixpn.dataplane.maps;

import dev.sixpn.address.SixpnAddress;

/**
 * What an instance link may do: send from {@code address} only.
 *
 * @param flags {@link #ALLOW_HOST} lets the instance reach this host's own (network 0) address
 */
public record LinkInfo(SixpnAddress address, int flags) {

  public static final int ALLOW_HOST = 0x1;

  public LinkInfo {
    if (address == null) {
      throw new IllegalArgumentException("address is required");
    }
  }
}
