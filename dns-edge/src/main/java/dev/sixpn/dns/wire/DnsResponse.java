package dev.sixpn.dns.wire;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * An encoded response on its way out.
 *
 * @param recipient the client (ignored over TCP)
 */
public record DnsResponse(byte[] wire, InetSocketAddress recipient) {
  public DnsResponse {
    Objects.requireNonNull(wire, "wire");
    if (wire.length < DnsWire.HEADER_LENGTH || wire.length > 0xffff) {
      throw new IllegalArgumentException("wire must be 12..65535 bytes, got " + wire.length);
    }
  }
}
