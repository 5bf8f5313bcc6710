package dev.sixpn.cli;

import dev.sixpn.dataplane.link.Exec;
import dev.sixpn.dataplane.link.Netns;
import dev.sixpn.demo.Demo;
import dev.sixpn.demo.Shell;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Runs sixpn for real on this machine: a Kafka broker, two hosts (network namespaces) each"
          + " with its agent (RocksDB state, DNS at fdaa::3, BPF isolation, wireguard-go mesh), and five"
          + " instances of two organizations. Runs the product's examples from inside the instances,"
          + " then stays up until Ctrl-C and removes everything it made. Needs root."
    })
final class DemoCommand implements Callable<Integer> {

  @Option(
      names = "--exit",
      description = "Exit after the checks (status 1 if any failed) instead of staying up.")
  boolean exitAfterChecks;

  @Option(
      names = "--hostile",
      description =
          "Also publish hostile events for host 1 (metadata naming the underlay, the WireGuard"
              + " device, lo and another instance's link; ids with '..', unicode, over-long ids;"
              + " a live instance id in another organization) and check the host is unharmed.")
  boolean hostile;

  @Option(
      names = "--big-app",
      description =
          "Also start one app of 10,000 instances and resolve it from an instance over UDP (a"
              + " subset with TC), EDNS, TCP and getent ahosts.")
  boolean bigApp;

  @Option(
      names = "--outage",
      description =
          "Last, stop the broker for good, kill host 1's agent and restart it while the broker is"
              + " down: it must answer DNS from its store, keep forwarding and prune nothing.")
  boolean outage;

  @Option(
      names = "--peers",
      description =
          "Also a WireGuard peer: a laptop namespace running the wg-quick configuration of"
              + " `sixpn peer create`, checked, then removed.")
  boolean peers;

  @Option(
      names = "--peers-only",
      description = "Only the --peers checks, right after the lab is up (a quick test of them).")
  boolean peersOnly;

  @Option(
      names = "--inside",
      hidden = true,
      description = "Internal: already in the core namespace.")
  boolean inside;

  @Option(names = "--tag", hidden = true, description = "Internal: names of this run's namespaces.")
  String tag;

  @Option(
      names = "--work-dir",
      description = "Where the demo keeps its files (default: a new directory under /tmp).")
  Path workDir;

  @Override
  public Integer call() throws Exception {
    if (!Shell.isRoot()) {
      System.err.println(
          "sixpn demo: needs root (network namespaces, BPF, WireGuard); run it with sudo");
      return 1;
    }
    for (String tool : List.of("ip", "nsenter", "tc", "wireguard-go", "dig", "ping")) {
      if (!Shell.onPath(tool)) {
        System.err.println("sixpn demo: '" + tool + "' is missing; run scripts/install-deps.sh");
        return 1;
      }
    }
    List<String> jvm = javaCommand();
    if (inside) {
      Set<Demo.Extra> extras = EnumSet.noneOf(Demo.Extra.class);
      if (hostile) {
        extras.add(Demo.Extra.HOSTILE);
      }
      if (bigApp) {
        extras.add(Demo.Extra.BIG_APP);
      }
      if (outage) {
        extras.add(Demo.Extra.OUTAGE);
      }
      if (peers) {
        extras.add(Demo.Extra.PEERS);
      }
      if (peersOnly) {
        extras.add(Demo.Extra.PEERS_ONLY);
      }
      return new Demo(tag, workDir, jvm, System.out, extras).run(exitAfterChecks) == 0 ? 0 : 1;
    }
    String t = HexFormat.of().formatHex(java.security.SecureRandom.getSeed(2));
    Path work = workDir != null ? workDir : Files.createTempDirectory("sixpn-demo-");
    String core = "spn" + t + "c";
    Shell.must("ip", "netns", "add", core);
    List<String> cmd = new ArrayList<>(jvm);
    cmd.addAll(List.of("demo", "--inside", "--tag", t, "--work-dir", work.toString()));
    if (exitAfterChecks) {
      cmd.add("--exit");
    }
    if (hostile) {
      cmd.add("--hostile");
    }
    if (bigApp) {
      cmd.add("--big-app");
    }
    if (outage) {
      cmd.add("--outage");
    }
    if (peers) {
      cmd.add("--peers");
    }
    if (peersOnly) {
      cmd.add("--peers-only");
    }
    // Long-running and interactive: no timeout, this terminal's stdin/stdout/stderr.
    Process child = Exec.command(cmd).in(Netns.named(core)).inheritIo().start();
    Thread forward =
        new Thread(
            () -> {
              child.destroy();
              try {
                child.waitFor();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              Shell.run("ip", "netns", "del", core);
            },
            "demo-stop");
    Runtime.getRuntime().addShutdownHook(forward);
    int code = child.waitFor();
    Runtime.getRuntime().removeShutdownHook(forward);
    Shell.run("ip", "netns", "del", core);
    return code;
  }

  /** This JVM with its flags (./sixpn's, see scripts/jvm-flags.sh), running this jar. */
  static List<String> javaCommand() throws URISyntaxException {
    String java = ProcessHandle.current().info().command().orElse("java");
    Path jar =
        Path.of(DemoCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    command.add("-jar");
    command.add(jar.toString());
    return command;
  }
}
