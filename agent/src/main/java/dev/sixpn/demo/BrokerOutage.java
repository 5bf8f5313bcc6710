package dev.sixpn.demo;

import dev.sixpn.dataplane.link.Netns;
import dev.sixpn.dataplane.link.NetnsExecutor;
import dev.sixpn.dataplane.maps.LocalsMap;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code sixpn demo --outage}, the last phase: the broker goes away for good. Host 1's agent keeps
 * answering, says it is not ready, and is then SIGKILLed and restarted while the broker is still
 * down: it must answer DNS from its store within 5 s, its pinned maps must keep forwarding and
 * nothing may be pruned on the strength of a state that cannot catch up.
 */
final class BrokerOutage {

  private final Demo demo;
  private final DemoLab lab;
  private final List<String> javaCommand;

  BrokerOutage(Demo demo, DemoLab lab, List<String> javaCommand) {
    this.demo = demo;
    this.lab = lab;
    this.javaCommand = javaCommand;
  }

  /**
   * @param agent host 1's running agent process (killed here; the restarted one is returned)
   */
  Process run(
      AutoCloseable broker,
      DemoLab.HostSpec host,
      Process agent,
      DemoLab.Inst local,
      DemoLab.Inst remote,
      String app)
      throws Exception {
    int before = localEntries(host);
    demo.say(
        "stopping the broker for good; host " + host.id() + " has " + before + " local entries");
    broker.close();
    lab.brokerGone();
    demo.checkHost(
        "with the broker gone, host " + host.id() + " says it is not ready (/readyz 503)",
        Duration.ofSeconds(20),
        () -> {
          String r = readyz(host);
          return r.startsWith("503") ? null : "/readyz answered: " + r;
        });
    demo.check(
        "...and still answers DNS",
        local,
        Duration.ofSeconds(5),
        s -> s.contains(local.address().toString()),
        "dig",
        "+short",
        "aaaa",
        local.id() + ".vm." + app + ".internal");

    demo.say("SIGKILL of host " + host.id() + "'s agent, restarted while the broker is down");
    agent.destroyForcibly();
    agent.waitFor();
    long start = System.nanoTime();
    Process restarted = lab.agent(host, javaCommand);
    demo.check(
        "the restarted agent answers DNS from its store within 5 s",
        local,
        Duration.ofSeconds(5),
        s -> s.contains(local.address().toString()),
        "dig",
        "+short",
        "+time=1",
        "+tries=1",
        "aaaa",
        local.id() + ".vm." + app + ".internal");
    demo.say(
        String.format(
            "  first answer %.1f s after the restart", (System.nanoTime() - start) / 1e9));
    demo.ping(
        "pinned maps keep forwarding across hosts", local, remote, true, Duration.ofSeconds(10));
    Thread.sleep(1500); // the restarted agent's first passes have run
    demo.checkHost(
        "nothing pruned while the state cannot catch up",
        Duration.ofSeconds(1),
        () -> {
          int after = localEntries(host);
          return after == before ? null : "local entries " + before + " -> " + after;
        });
    return restarted;
  }

  private int localEntries(DemoLab.HostSpec host) {
    try (LocalsMap locals =
        new LocalsMap(
            Path.of(lab.pinDir(host.id()), "maps", LocalsMap.NAME).toString(), (op, ok) -> {})) {
      return locals.entries().size();
    }
  }

  /** The status line of {@code GET /readyz} from the agent's metrics port in its namespace. */
  private String readyz(DemoLab.HostSpec host) {
    try (NetnsExecutor ns = new NetnsExecutor(Netns.named(lab.hostNs(host.id())))) {
      return ns.call(
          () -> {
            try (Socket s = new Socket()) {
              s.connect(new InetSocketAddress("127.0.0.1", 9464), 2000);
              s.setSoTimeout(2000);
              OutputStream out = s.getOutputStream();
              out.write(
                  "GET /readyz HTTP/1.0\r\nHost: localhost\r\n\r\n"
                      .getBytes(StandardCharsets.US_ASCII));
              InputStream in = s.getInputStream();
              String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
              String[] status = response.split("\r\n", 2)[0].split(" ");
              String body = response.contains("\r\n\r\n") ? response.split("\r\n\r\n", 2)[1] : "";
              return (status.length > 1 ? status[1] : "?") + " " + body.strip();
            } catch (IOException e) {
              return "unreachable: " + e.getMessage();
            }
          });
    }
  }
}
