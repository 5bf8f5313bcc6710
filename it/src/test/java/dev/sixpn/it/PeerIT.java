package dev.sixpn.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A WireGuard peer outside the fleet, end to end, in the demo's lab (a broker, two hosts with their
 * agents, instances of two organizations) with {@code --peers-only}: a "laptop" namespace runs the
 * wg-quick configuration {@code sixpn peer create} printed (wireguard-go, {@code wg setconf}, the
 * {@code ip} commands of wg-quick), resolves through {@code fdaa:0:1::3}, reaches its network on
 * both hosts and nothing of the other organization (dropped and counted by the gateway's BPF), is
 * listed by {@code _peer.internal}, and reaches nothing once removed.
 */
class PeerIT {

  @Test
  void peer_laptopReachesItsNetworkOnBothHosts_onlyIt_untilRemoved() throws Exception {
    Requirements.require("PeerIT", DemoIT.missingCapability());
    String text = DemoIT.demo(Duration.ofMinutes(3), "--exit", "--peers-only");
    for (String check :
        List.of(
            "a laptop running the printed wg-quick config resolves its network's apps through"
                + " fdaa:0:1::3",
            "...reaches an instance on its gateway host",
            "...and one on the other host, over the mesh",
            "_peer.internal lists it, <peer>._peer.internal is its address",
            "another organization's names do not exist for it",
            "its packets to another organization (AllowedIPs widened to fdaa::/16) are dropped",
            "...on either host",
            "...and counted as cross_network drops on the gateway",
            "after sixpn peer remove the laptop reaches nothing")) {
      assertTrue(text.contains("[ok]   " + check), "missing [ok] " + check + "\n" + text);
    }
    assertFalse(text.contains("[FAIL]"), text);
    // This run's names only: other demos may run on the machine.
    Matcher m = Pattern.compile("in namespace spn(\\w+)h1").matcher(text);
    assertTrue(m.find(), text);
    String prefix = "spn" + m.group(1);
    assertFalse(
        DemoIT.run("ip", "netns", "list").lines().anyMatch(l -> l.startsWith(prefix)),
        "namespaces left");
    assertFalse(
        DemoIT.run("pgrep", "-fa", "wireguard-go -f " + prefix).contains("wireguard-go"),
        "wireguard-go left running");
  }
}
