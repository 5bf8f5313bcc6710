package dev.sixpn.demo;

import dev.sixpn.address.InstanceAllocator;
import dev.sixpn.address.SixpnAddress;
import dev.sixpn.agent.run.InstanceRuntime;
import dev.sixpn.dataplane.link.Exec;
import dev.sixpn.dataplane.link.LinkNames;
import dev.sixpn.dataplane.link.Netns;
import dev.sixpn.publish.LifecyclePublisher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * The demo's machine room, built in network namespaces on this machine: a core namespace (this
 * process runs in it) with the Kafka broker at {@value #BROKER_IP}, routing between hosts; one
 * namespace per host, linked to the core by a veth, each running a real {@code sixpn agent} process
 * (projector, DNS at fdaa::3, BPF programs, wireguard-go); and one namespace per instance behind a
 * veth into its host, named as the dataplane expects ({@link LinkNames}). Everything is recorded
 * and removed in reverse on {@link #close()}.
 */
final class DemoLab implements AutoCloseable {

  static final String BROKER_IP = "10.98.0.1";
  static final int BROKER_PORT = 9092;

  /** How long an instance waits for its host's agent to write its resolver files. */
  private static final Duration RESOLVER_WAIT = Duration.ofSeconds(20);

  /** A simulated host. */
  record HostSpec(long id, String region, double latitude, double longitude) {}

  /** A started instance and the namespace it lives in. */
  record Inst(String id, long network, String app, long host, SixpnAddress address) {}

  private final String tag;
  private final Path work;
  private final Deque<Runnable> undo = new ArrayDeque<>();
  private final InstanceAllocator allocator = new InstanceAllocator();
  final List<Inst> instances = new ArrayList<>();

  DemoLab(String tag, Path work) {
    this.tag = tag;
    this.work = work;
  }

  String hostNs(long host) {
    return "spn" + tag + "h" + host;
  }

  /** Core: broker address on lo, IPv4 forwarding between the host links. */
  void core() {
    Shell.must("ip", "link", "set", "lo", "up");
    Shell.must("ip", "addr", "add", BROKER_IP + "/32", "dev", "lo");
    Shell.must("sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward");
  }

  /** A host namespace linked to the core: 10.98.N.2 in the host, 10.98.N.1 in the core. */
  void host(HostSpec h) {
    netnsLinkedToCore(hostNs(h.id()), h.id());
  }

  /** A namespace with {@code u0} at 10.98.N.2, routed through the core's 10.98.N.1. */
  void netnsLinkedToCore(String ns, long n) {
    netns(ns);
    String coreLink = "c" + n;
    Shell.must("ip", "link", "add", coreLink, "type", "veth", "peer", "name", "u0", "netns", ns);
    Shell.must("ip", "addr", "add", "10.98." + n + ".1/24", "dev", coreLink);
    Shell.must("ip", "link", "set", coreLink, "up");
    Shell.must(Shell.in(ns, "ip", "addr", "add", underlay(n) + "/24", "dev", "u0"));
    Shell.must(Shell.in(ns, "ip", "link", "set", "u0", "up"));
    Shell.must(Shell.in(ns, "ip", "route", "add", "default", "via", "10.98." + n + ".1"));
  }

  static String underlay(long host) {
    return "10.98." + host + ".2";
  }

  String pinDir(long host) {
    return "/sys/fs/bpf/sixpn-" + tag + "-h" + host;
  }

  String wgDevice(long host) {
    return "spn" + tag + "w" + host;
  }

  /** The Kafka user a host's agent reads the lifecycle topic as. */
  static String hostUser(long host) {
    return "host-" + host;
  }

  /** Where the demo keeps its files. */
  Path work() {
    return work;
  }

  /** The host's data directory: its state and WireGuard key. */
  Path hostDir(long host) {
    return work.resolve("h" + host);
  }

  /** The host's Kafka client properties (its credentials), owner-only. */
  Path kafkaConfig(long host) {
    return work.resolve("kafka-host-" + host + ".properties");
  }

  /** Orchestration's Kafka client properties (what `sixpn run` publishes with), owner-only. */
  Path orchestratorKafkaConfig() {
    return work.resolve("kafka-orchestrator.properties");
  }

  /**
   * Starts {@code sixpn agent} for the host inside its namespace, reading Kafka with the host's
   * credentials; its log goes to work/hN.log.
   */
  Process agent(HostSpec h, List<String> javaCommand) {
    List<String> cmd = new ArrayList<>(javaCommand);
    cmd.addAll(
        List.of(
            "agent",
            "--host",
            Long.toString(h.id()),
            "--bootstrap",
            BROKER_IP + ":" + BROKER_PORT,
            "--kafka-config",
            kafkaConfig(h.id()).toString(),
            "--data-dir",
            hostDir(h.id()).toString(),
            "--pin-dir",
            pinDir(h.id()),
            "--wg-device",
            wgDevice(h.id()),
            "--wg-port",
            "51820",
            "--region",
            h.region(),
            "--lat",
            Double.toString(h.latitude()),
            "--lon",
            Double.toString(h.longitude()),
            "--endpoint",
            underlay(h.id()) + ":51820",
            "--upstream",
            BROKER_IP + ":53",
            "--metrics",
            "127.0.0.1:9464"));
    Path log = work.resolve("h" + h.id() + ".log");
    // Long-running: no timeout; stop(p) ends it.
    Process p =
        Exec.command(cmd)
            .in(Netns.named(hostNs(h.id())))
            .mergeStderr()
            .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
            .start();
    // wireguard-go outlives its agent by design (traffic flows across agent restarts): stop it
    // last.
    undo.push(() -> stopWireGuard(wgDevice(h.id())));
    undo.push(
        () ->
            stopWireGuard(dev.sixpn.dataplane.reconcile.PeerGateway.deviceName(wgDevice(h.id()))));
    undo.push(() -> Shell.run("rm", "-rf", pinDir(h.id())));
    undo.push(() -> stop(p));
    return p;
  }

  /** Stops the wireguard-go the agent started for {@code device}, by its PID. */
  private static void stopWireGuard(String device) {
    for (String pid :
        Shell.run("pgrep", "-f", "^wireguard-go -f " + device + "$")
            .output()
            .strip()
            .split("\\s+")) {
      if (!pid.isBlank()) {
        Shell.run("kill", pid);
      }
    }
  }

  private static void stop(Process p) {
    p.destroy();
    try {
      if (!p.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
    }
  }

  /** Waits until the host's agent log says it runs; fails with the log's tail otherwise. */
  void awaitAgent(long host, Process p, Duration timeout) throws IOException, InterruptedException {
    Path log = work.resolve("h" + host + ".log");
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      String text = Files.exists(log) ? Files.readString(log) : "";
      if (text.contains("agent: host " + host + " running")) {
        return;
      }
      if (!p.isAlive()) {
        throw new IllegalStateException("agent of host " + host + " exited:\n" + tail(text));
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException(
        "agent of host "
            + host
            + " did not start within "
            + timeout
            + ":\n"
            + tail(Files.readString(log)));
  }

  static String tail(String text) {
    String[] lines = text.split("\n");
    return String.join(
        "\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 15), lines.length));
  }

  private volatile boolean brokerGone;

  /** The broker is stopped for good: cleanup removes instances without publishing their end. */
  void brokerGone() {
    brokerGone = true;
  }

  /** A fresh address in {@code network} on {@code host}, as orchestration would allocate it. */
  SixpnAddress allocate(long network, long host) {
    return allocator.allocate(network, host);
  }

  /**
   * Starts the instance as {@code sixpn run} does ({@link InstanceRuntime}: namespace, veth into
   * the host's namespace, instance.started, the resolver files awaited) but with no command: the
   * demo's checks run theirs with {@code ip netns exec}. Stopped, removed and destroyed on {@link
   * #close()}.
   */
  Inst instance(LifecyclePublisher publisher, String id, long network, String app, HostSpec h)
      throws Exception {
    SixpnAddress address = allocator.allocate(network, h.id());
    InstanceRuntime runtime =
        InstanceRuntime.create(
            new InstanceRuntime.Spec(
                id,
                network,
                app,
                "app",
                h.id(),
                h.region(),
                address,
                false,
                Map.of(),
                List.of(),
                Netns.named(hostNs(h.id())),
                Path.of("/etc/netns")),
            publisher);
    undo.push(
        () -> {
          if (brokerGone) {
            runtime.closeWithoutPublishing();
          } else {
            runtime.close();
          }
        });
    if (!runtime.start(RESOLVER_WAIT)) {
      System.err.println("demo: no resolver files for " + id + " after " + RESOLVER_WAIT);
    }
    Inst i = new Inst(id, network, app, h.id(), address);
    instances.add(i);
    return i;
  }

  private void netns(String name) {
    Shell.must("ip", "netns", "add", name);
    undo.push(() -> Shell.run("ip", "netns", "del", name));
    // No duplicate address detection: addresses are usable at once.
    Shell.must(
        Shell.in(
            name,
            "sh",
            "-c",
            "echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad; echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad; ip link set lo up"));
  }

  void onClose(Runnable r) {
    undo.push(r);
  }

  /**
   * Removes everything, newest first; each step on its own so one failure leaves nothing else
   * behind.
   */
  @Override
  public void close() {
    while (!undo.isEmpty()) {
      try {
        undo.pop().run();
      } catch (RuntimeException e) {
        System.err.println("demo cleanup: " + e.getMessage());
      }
    }
  }
}
