package dev.sixpn.dns.wire;

/**
 * Told about every message the decoders could not take as a query, so that the server can count
 * them and log at a bounded rate instead of once per hostile packet.
 */
@FunctionalInterface
public interface WireErrors {

  /**
   * @param answered true if a FORMERR/NOTIMP goes back, false if the message is dropped
   */
  void onMalformed(MalformedDnsException.Reason reason, boolean answered, String detail);

  WireErrors IGNORE = (reason, answered, detail) -> {};
}
