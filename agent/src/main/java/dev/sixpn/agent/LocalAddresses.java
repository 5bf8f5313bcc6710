package dev.sixpn.agent;

import dev.sixpn.address.SixpnAddress;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The DNS edge listens on {@code fdaa::3}, which must be an address of this host (network
 * namespace) for the kernel to deliver instances' queries locally: put 6PN listen addresses on
 * {@code lo} as /128, without duplicate address detection. Idempotent.
 */
final class LocalAddresses {

  private LocalAddresses() {}

  static void ensureOnLoopback(List<InetSocketAddress> listen)
      throws IOException, InterruptedException {
    for (InetSocketAddress a : listen) {
      if (a.getAddress() instanceof Inet6Address v6 && SixpnAddress.isSixpn(v6.getAddress())) {
        add(SixpnAddress.fromBytes(v6.getAddress()).toString());
      }
    }
  }

  private static void add(String address) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder("ip", "-6", "addr", "replace", address + "/128", "dev", "lo", "nodad")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(
          "cannot add "
              + address
              + "/128 to lo ("
              + out
              + "); the agent needs CAP_NET_ADMIN (run as root) to listen on it");
    }
  }
}
