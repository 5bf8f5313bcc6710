package dev.sixpn.demo;

import dev.sixpn.dataplane.link.Exec;
import dev.sixpn.dataplane.link.LinkNames;
import dev.sixpn.dataplane.link.Netns;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The user's commands against the running lab, each as its own {@code sixpn} process the way a user
 * starts it: {@code sixpn monitor} sees a cross-organization ping dropped, {@code sixpn status}
 * shows a host, and {@code sixpn run} starts an instance on a host that another app reaches by name
 * until SIGTERM removes it.
 */
final class CliChecks {

  private final Demo demo;
  private final DemoLab lab;
  private final List<String> javaCommand;
  private final String tag;

  CliChecks(Demo demo, DemoLab lab, List<String> javaCommand, String tag) {
    this.demo = demo;
    this.lab = lab;
    this.javaCommand = javaCommand;
    this.tag = tag;
  }

  void run(DemoLab.HostSpec h1, DemoLab.HostSpec h2, DemoLab.Inst web1, DemoLab.Inst secret2)
      throws Exception {
    monitor(h1, web1, secret2);
    status(h1);
    runInstance(h2, web1);
  }

  private void monitor(DemoLab.HostSpec h, DemoLab.Inst from, DemoLab.Inst to) throws Exception {
    Process p =
        sixpn(
                "monitor",
                "--pin-dir",
                lab.pinDir(h.id()),
                "--netns",
                lab.hostNs(h.id()),
                "--reason",
                "cross_network",
                "--count",
                "1")
            .start();
    CompletableFuture<String> out = drain(p.getInputStream());
    CompletableFuture<String> err = drain(p.getErrorStream());
    String expected =
        "drop cross_network from "
            + LinkNames.hostSideLink(from.id())
            + " (instance "
            + from.address()
            + ") "
            + from.address()
            + " -> "
            + to.address()
            + " icmp6";
    demo.checkHost(
        "sixpn monitor shows the cross-organization ping as a drop",
        Duration.ofSeconds(30),
        () -> {
          if (p.isAlive()) {
            // Until the monitor listens (a JVM start), and then until a ping is seen.
            Shell.run(
                "ip",
                "netns",
                "exec",
                from.id(),
                "ping",
                "-6",
                "-c",
                "1",
                "-W",
                "1",
                to.address().toString());
            return "no drop line yet";
          }
          String o = out.join();
          return o.contains(expected) ? null : "monitor printed: " + o + err.join();
        });
    if (p.isAlive()) {
      p.destroyForcibly();
    } else {
      demo.say("  $ sixpn monitor --reason cross_network --count 1\n    " + out.join().strip());
    }
  }

  private void status(DemoLab.HostSpec h) throws Exception {
    String[] last = {""};
    demo.checkHost(
        "sixpn status of host " + h.id() + ": caught up, its instances, a peer with a handshake",
        Duration.ofSeconds(30),
        () -> {
          Exec.Result r =
              sixpn("status", "--agent", "127.0.0.1:9464")
                  .in(Netns.named(lab.hostNs(h.id())))
                  .mergeStderr()
                  .timeout(Duration.ofSeconds(60))
                  .run();
          last[0] = r.stdout();
          String o = r.stdout();
          return r.ok()
                  && o.contains("projector:  caught up")
                  && o.contains("on this host")
                  && o.contains("1 peer(s)")
                  && o.contains(" ago  rx ")
              ? null
              : "status printed:\n" + o;
        });
    demo.say("  $ sixpn status   (in " + lab.hostNs(h.id()) + ")");
    last[0].lines().forEach(l -> demo.say("    " + l));
  }

  private void runInstance(DemoLab.HostSpec h, DemoLab.Inst from) throws Exception {
    String id = "d" + tag + "-run1";
    String name = id + ".vm.redis-bagel-43.internal";
    Process p =
        sixpn(
                "run",
                "--host-netns",
                lab.hostNs(h.id()),
                "--bootstrap",
                DemoLab.BROKER_IP + ":" + DemoLab.BROKER_PORT,
                "--kafka-config",
                lab.orchestratorKafkaConfig().toString(),
                "--app",
                "redis-bagel-43",
                "--network",
                "1",
                "--host",
                Long.toString(h.id()),
                "--region",
                h.region(),
                "--instance-id",
                id,
                "--",
                "sleep",
                "300")
            .start();
    CompletableFuture<String> err = drain(p.getErrorStream());
    drain(p.getInputStream());
    try {
      demo.ping(
          "sixpn run: an instance started on host " + h.id() + " is reached by name",
          from,
          name,
          true,
          Duration.ofSeconds(60));
    } finally {
      p.destroy(); // SIGTERM, as a service manager stops it
    }
    boolean exited = p.waitFor(30, TimeUnit.SECONDS);
    demo.checkHost(
        "...and SIGTERM passes through (143), removes it and its name",
        Duration.ofSeconds(10),
        () -> {
          if (!exited) {
            return "sixpn run still running after SIGTERM";
          }
          if (p.exitValue() != 128 + 15) {
            return "exit status " + p.exitValue() + ":\n" + err.join();
          }
          if (Files.exists(Path.of("/run/netns", id)) || Files.exists(Path.of("/etc/netns", id))) {
            return "namespace or /etc/netns/" + id + " left";
          }
          String dig = Shell.run("ip", "netns", "exec", from.id(), "dig", "aaaa", name).output();
          return dig.contains("status: NXDOMAIN") ? null : "still resolves:\n" + dig;
        });
    if (!exited) {
      p.destroyForcibly();
    }
  }

  private Exec.Command sixpn(String... args) {
    List<String> cmd = new ArrayList<>(javaCommand);
    cmd.addAll(List.of(args));
    return Exec.command(cmd);
  }

  private static CompletableFuture<String> drain(InputStream in) {
    CompletableFuture<String> f = new CompletableFuture<>();
    Thread.ofVirtual()
        .start(
            () -> {
              ByteArrayOutputStream b = new ByteArrayOutputStream();
              try (in) {
                in.transferTo(b);
              } catch (IOException e) {
                // the process ended; what was read is the answer
              }
              f.complete(b.toString(StandardCharsets.UTF_8));
            });
    return f;
  }
}
