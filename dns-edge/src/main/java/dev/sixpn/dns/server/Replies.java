package dev.sixpn.dns.server;

import dev.sixpn.dns.wire.DnsRequest;

/** Where the answers to one socket's queries go: a Netty channel or a receive loop's batch. */
interface Replies {

  /**
   * Queues {@code wire} for {@code to}'s sender; it leaves with the batch being read at the latest.
   * Called only on the thread that read the query.
   */
  void send(DnsRequest to, byte[] wire);

  /**
   * Sends {@code wire} to {@code to}'s sender now; callable from any thread (forwarded answers).
   */
  void sendNow(DnsRequest to, byte[] wire);
}
