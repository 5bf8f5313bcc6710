package dev.sixpn.dns.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResolvConfTest {

  @Test
  void parse_takesNameserverLinesInOrderAndSkipsTheRest() {
    List<InetSocketAddress> ns =
        ResolvConf.parse(
            List.of(
                "# comment",
                "search example.com",
                "nameserver 10.0.0.2",
                "nameserver   fdaa::3  ",
                "nameserver fe80::1%eth0",
                "nameserver not-an-ip",
                "nameserver",
                "options ndots:5",
                "nameserver 1.1.1.1"));
    assertEquals(
        List.of(
            new InetSocketAddress(InetAddress.ofLiteral("10.0.0.2"), 53),
            new InetSocketAddress(InetAddress.ofLiteral("fdaa::3"), 53),
            new InetSocketAddress(InetAddress.ofLiteral("1.1.1.1"), 53)),
        ns);
  }

  @Test
  void nameservers_missingFileIsEmpty() {
    assertTrue(ResolvConf.nameservers(Path.of("/nonexistent/resolv.conf")).isEmpty());
  }
}
