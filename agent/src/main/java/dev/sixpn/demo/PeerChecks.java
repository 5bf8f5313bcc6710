package dev.sixpn.demo;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.cli.WgQuickConfig;
import dev.sixpn.dataplane.link.Exec;
import dev.sixpn.dataplane.link.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A WireGuard peer outside the fleet, as a user makes one: {@code sixpn peer create} prints a
 * wg-quick configuration; a namespace standing for a laptop (linked to the core like a host, so it
 * reaches the gateway's underlay) runs it with wireguard-go, {@code wg setconf} and the {@code ip}
 * commands wg-quick would run (wg-quick itself needs resolvconf for its DNS line). The laptop
 * resolves through its network's {@code fdaa:NNNN:NNNN::3}, reaches the network's instances on both
 * hosts, and nothing of another organization; {@code sixpn peer remove} cuts it off.
 */
final class PeerChecks {

  private final Demo demo;
  private final DemoLab lab;
  private final List<String> javaCommand;
  private final String tag;

  PeerChecks(Demo demo, DemoLab lab, List<String> javaCommand, String tag) {
    this.demo = demo;
    this.lab = lab;
    this.javaCommand = javaCommand;
    this.tag = tag;
  }

  /**
   * @param gateway the laptop's gateway host
   * @param near an instance of network 1 on the gateway, {@code far} one on the other host
   * @param foreignNear an instance of network 2 on the gateway, {@code foreignFar} on the other
   */
  void run(
      DemoLab.HostSpec gateway,
      DemoLab.Inst near,
      DemoLab.Inst far,
      DemoLab.Inst foreignNear,
      DemoLab.Inst foreignFar)
      throws Exception {
    Path conf = lab.work().resolve("laptop.conf");
    Exec.Result created =
        sixpn(
                "peer",
                "create",
                "--network",
                "1",
                "--name",
                "laptop",
                "--gateway",
                Long.toString(gateway.id()),
                "--data-dir",
                lab.hostDir(gateway.id()).resolve("state").toString(),
                "--bootstrap",
                DemoLab.BROKER_IP + ":" + DemoLab.BROKER_PORT,
                "--kafka-config",
                lab.orchestratorKafkaConfig().toString(),
                "--out",
                conf.toString())
            .mergeStderr()
            .timeout(Duration.ofSeconds(60))
            .run();
    if (!created.ok()) {
      demo.checkHost("sixpn peer create", Duration.ZERO, () -> created.stdout());
      return;
    }
    String config = Files.readString(conf);
    demo.say("  $ sixpn peer create --network 1 --name laptop --gateway " + gateway.id());
    config
        .lines()
        .forEach(l -> demo.say("    " + (l.startsWith("PrivateKey") ? "PrivateKey = …" : l)));
    String ns = "spn" + tag + "lap";
    String device = "spn" + tag + "l";
    SixpnAddress address =
        SixpnAddress.parse(WgQuickConfig.value(config, "Address").replace("/128", ""));
    String dns = WgQuickConfig.value(config, "DNS");
    laptop(ns, device, config);
    DemoLab.Inst laptop = new DemoLab.Inst(ns, 1, "laptop", gateway.id(), address);

    demo.check(
        "a laptop running the printed wg-quick config resolves its network's apps through " + dns,
        laptop,
        Duration.ofSeconds(30),
        s -> s.contains(near.address().toString()) && s.contains(far.address().toString()),
        "sh",
        "-c",
        "dig +short +time=1 +tries=1 @"
            + dns
            + " aaaa "
            + near.app()
            + ".internal; dig +short +time=1 +tries=1 @"
            + dns
            + " aaaa "
            + far.app()
            + ".internal");
    demo.ping(
        "...reaches an instance on its gateway host", laptop, near, true, Duration.ofSeconds(10));
    demo.ping(
        "...and one on the other host, over the mesh", laptop, far, true, Duration.ofSeconds(10));
    demo.check(
        "_peer.internal lists it, <peer>._peer.internal is its address",
        laptop,
        Duration.ofSeconds(5),
        s -> s.contains("\"laptop\"") && s.contains(address.toString()),
        "sh",
        "-c",
        "dig +short @"
            + dns
            + " txt _peer.internal; dig +short @"
            + dns
            + " aaaa laptop._peer.internal");
    demo.check(
        "another organization's names do not exist for it",
        laptop,
        Duration.ofSeconds(5),
        s -> s.contains("status: NXDOMAIN"),
        "dig",
        "@" + dns,
        "aaaa",
        "secret-app.internal");
    // The laptop's own routes send nothing outside its network: widen them, as a user who edits
    // the configuration could, so that it is the gateway's BPF that refuses.
    Shell.must(
        Shell.in(
            ns,
            "wg",
            "set",
            device,
            "peer",
            WgQuickConfig.value(config, "PublicKey"),
            "allowed-ips",
            "fdaa::/16"));
    Shell.must(Shell.in(ns, "ip", "-6", "route", "replace", "fdaa::/16", "dev", device));
    long before = crossNetworkDrops(gateway);
    demo.ping(
        "its packets to another organization (AllowedIPs widened to fdaa::/16) are dropped",
        laptop,
        foreignNear,
        false,
        Duration.ofSeconds(1));
    demo.ping("...on either host", laptop, foreignFar, false, Duration.ofSeconds(1));
    demo.checkHost(
        "...and counted as cross_network drops on the gateway",
        Duration.ofSeconds(5),
        () -> {
          long now = crossNetworkDrops(gateway);
          return now >= before + 4 ? null : "cross_network drops " + before + " -> " + now;
        });

    Exec.Result removed =
        sixpn(
                "peer",
                "remove",
                "--network",
                "1",
                "--name",
                "laptop",
                "--bootstrap",
                DemoLab.BROKER_IP + ":" + DemoLab.BROKER_PORT,
                "--kafka-config",
                lab.orchestratorKafkaConfig().toString())
            .mergeStderr()
            .timeout(Duration.ofSeconds(60))
            .run();
    demo.checkHost(
        "sixpn peer remove", Duration.ZERO, () -> removed.ok() ? null : removed.stdout());
    demo.check(
        "after sixpn peer remove the laptop reaches nothing",
        laptop,
        Duration.ofSeconds(20),
        s -> s.contains("100% packet loss") && !s.contains(" 0% packet loss"),
        "sh",
        "-c",
        "ping -6 -c 2 -i 0.2 -W 1 "
            + near.address()
            + "; ping -6 -c 2 -i 0.2 -W 1 "
            + far.address()
            + "; dig +time=1 +tries=1 @"
            + dns
            + " aaaa "
            + near.app()
            + ".internal");
  }

  /** The laptop namespace with the configuration up, as wg-quick would bring it. */
  private void laptop(String ns, String device, String config) throws Exception {
    lab.netnsLinkedToCore(ns, 9);
    Process wg =
        Exec.command("wireguard-go", "-f", device)
            .in(Netns.named(ns))
            .mergeStderr()
            .redirectOutput(
                ProcessBuilder.Redirect.to(lab.work().resolve("laptop-wg.log").toFile()))
            .start();
    lab.onClose(
        () -> {
          wg.destroy();
          try {
            wg.waitFor();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    Path sock = Path.of("/var/run/wireguard", device + ".sock");
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!Files.exists(sock) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    Path stripped = lab.work().resolve("laptop.wg");
    Files.writeString(stripped, WgQuickConfig.strip(config));
    String address = WgQuickConfig.value(config, "Address");
    String allowed = WgQuickConfig.value(config, "AllowedIPs");
    Shell.must(Shell.in(ns, "wg", "setconf", device, stripped.toString()));
    Shell.must(Shell.in(ns, "ip", "-6", "address", "add", address, "dev", device, "nodad"));
    Shell.must(Shell.in(ns, "ip", "link", "set", "mtu", "1420", "up", "dev", device));
    Shell.must(Shell.in(ns, "ip", "-6", "route", "add", allowed, "dev", device));
  }

  private static final Pattern CROSS = Pattern.compile("cross_network (\\d+)");

  private long crossNetworkDrops(DemoLab.HostSpec h) {
    String out =
        sixpn("status", "--agent", "127.0.0.1:9464")
            .in(Netns.named(lab.hostNs(h.id())))
            .mergeStderr()
            .timeout(Duration.ofSeconds(60))
            .run()
            .stdout();
    Matcher m = CROSS.matcher(out);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  private Exec.Command sixpn(String... args) {
    List<String> cmd = new ArrayList<>(javaCommand);
    cmd.addAll(List.of(args));
    return Exec.command(cmd);
  }
}
