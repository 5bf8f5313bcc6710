package dev.sixpn.agent;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.dataplane.link.Exec;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * The DNS edge listens on {@code fdaa::3}, which must be an address of this host (network
 * namespace) for the kernel to deliver instances' queries locally: put 6PN listen addresses on
 * {@code lo} as /128, without duplicate address detection. Idempotent.
 */
final class LocalAddresses {

  private LocalAddresses() {}

  static void ensureOnLoopback(List<InetSocketAddress> listen) throws IOException {
    for (InetSocketAddress a : listen) {
      if (a.getAddress() instanceof Inet6Address v6 && SixpnAddress.isSixpn(v6.getAddress())) {
        add(SixpnAddress.fromBytes(v6.getAddress()).toString());
      }
    }
  }

  private static void add(String address) throws IOException {
    String why;
    try {
      Exec.Result r =
          Exec.command("ip", "-6", "addr", "replace", address + "/128", "dev", "lo", "nodad")
              .mergeStderr()
              .timeout(Duration.ofSeconds(10))
              .run();
      if (r.ok()) {
        return;
      }
      why = r.stdout().strip();
    } catch (Exec.CommandException e) {
      why = e.getMessage();
    }
    throw new IOException(
        "cannot add "
            + address
            + "/128 to lo ("
            + why
            + "); the agent needs CAP_NET_ADMIN (run as root) to listen on it");
  }
}
