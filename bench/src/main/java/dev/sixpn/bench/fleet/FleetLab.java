package dev.sixpn.bench.fleet;

import dev.sixpn.dataplane.link.Exec;
import dev.sixpn.dataplane.link.Netns;
import dev.sixpn.dataplane.reconcile.PeerGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The one real host: a network namespace linked to this (root) namespace by a veth, 10.97.0.1 here
 * (the broker listens there) and 10.97.0.2 in the host, the fleet's WireGuard endpoints
 * (10.200.0.0/16) blackholed so that wireguard-go's handshakes to 10,000 made-up peers go nowhere;
 * and the {@code sixpn agent} process in it. Everything made is undone in reverse on {@link
 * #close()}, each step on its own.
 */
final class FleetLab implements AutoCloseable {

  static final String BROKER_IP = "10.97.0.1";
  static final String HOST_IP = "10.97.0.2";
  static final String METRICS = HOST_IP + ":9464";

  final String tag;
  final Path work;
  private final Deque<Runnable> undo = new ArrayDeque<>();

  FleetLab(String tag, Path work) {
    this.tag = tag;
    this.work = work;
  }

  String hostNs() {
    return "sxf" + tag;
  }

  String pinDir() {
    return "/sys/fs/bpf/sixpn-fleet-" + tag;
  }

  String wgDevice() {
    return "sxf" + tag + "w";
  }

  Netns netns() {
    return Netns.named(hostNs());
  }

  void host() {
    String ns = hostNs();
    must("ip", "netns", "add", ns);
    undo.push(() -> Exec.command("ip", "netns", "del", ns).run());
    String link = "sxf" + tag + "c";
    must("ip", "link", "add", link, "type", "veth", "peer", "name", "u0", "netns", ns);
    undo.push(() -> Exec.command("ip", "link", "del", link).run());
    must("ip", "addr", "add", BROKER_IP + "/24", "dev", link);
    must("ip", "link", "set", link, "up");
    in("sh", "-c", "echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad; ip link set lo up");
    in("ip", "addr", "add", HOST_IP + "/24", "dev", "u0");
    in("ip", "link", "set", "u0", "up");
    in("ip", "route", "add", "blackhole", "10.200.0.0/16");
  }

  /** Starts {@code sixpn agent} as host 1 in the namespace; its log goes to work/agent.log. */
  AgentProcess agent(List<String> javaCommand, String bootstrap, String topic) throws Exception {
    List<String> cmd = new ArrayList<>(javaCommand);
    // Names from a file only, as the demo's agents: nothing in the namespace answers DNS.
    Path hosts = work.resolve("hosts");
    Files.writeString(hosts, "127.0.0.1 localhost\n::1 localhost\n");
    cmd.add(1, "-Djdk.net.hosts.file=" + hosts);
    cmd.addAll(
        List.of(
            "agent",
            "--host",
            "1",
            "--bootstrap",
            bootstrap,
            "--topic",
            topic,
            "--data-dir",
            work.resolve("h1").toString(),
            "--pin-dir",
            pinDir(),
            "--wg-device",
            wgDevice(),
            "--region",
            "ams",
            "--lat",
            "52.3",
            "--lon",
            "4.9",
            "--endpoint",
            HOST_IP + ":51820",
            "--announce",
            "--upstream",
            BROKER_IP + ":53",
            "--metrics",
            METRICS,
            // One snapshot after the initial fold, to measure its size; none during the churn.
            "--snapshot-writer",
            "--snapshot-every-events",
            "1000000"));
    Path log = work.resolve("agent.log");
    Process p =
        Exec.command(cmd)
            .in(netns())
            .mergeStderr()
            .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
            .start();
    Files.writeString(work.resolve("agent.pid"), Long.toString(p.pid()));
    // wireguard-go outlives its agent by design: stopped after it, by PID.
    undo.push(() -> stopWireGuard(wgDevice()));
    undo.push(() -> stopWireGuard(PeerGateway.deviceName(wgDevice())));
    undo.push(() -> Exec.command("rm", "-rf", pinDir()).run());
    undo.push(() -> stop(p));
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (!Files.readString(log).contains("agent: host 1 running")) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException("agent did not start:\n" + Files.readString(log));
      }
      Thread.sleep(200);
    }
    return new AgentProcess(p, METRICS);
  }

  void onClose(Runnable r) {
    undo.push(r);
  }

  private static void stopWireGuard(String device) {
    String pids =
        Exec.command("pgrep", "-f", "^wireguard-go -f " + device + "$").run().stdout().strip();
    for (String pid : pids.split("\\s+")) {
      if (!pid.isBlank()) {
        Exec.command("kill", pid).run();
      }
    }
  }

  private static void stop(Process p) {
    p.destroy();
    try {
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
    }
  }

  private void in(String... command) {
    Exec.command(command).in(netns()).run().orThrow("");
  }

  private static void must(String... command) {
    Exec.command(command).run().orThrow("");
  }

  @Override
  public void close() {
    while (!undo.isEmpty()) {
      try {
        undo.pop().run();
      } catch (RuntimeException e) {
        System.err.println("fleet cleanup: " + e.getMessage());
      }
    }
  }
}
