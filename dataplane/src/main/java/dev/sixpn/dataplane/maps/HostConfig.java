package dev.sixpn.dataplane.maps;

/**
 * The single entry of {@code sixpn_config}: which host the programs run on. Host 0 means "not
 * configured" and makes the programs drop everything.
 */
public record HostConfig(long host, int flags) {

  public HostConfig {
    if (host < 0 || host > 0xffff_ffffL) {
      throw new IllegalArgumentException("host must be in 0..4294967295, got " + host);
    }
  }
}
