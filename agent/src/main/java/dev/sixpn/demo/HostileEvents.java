package dev.sixpn.demo;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.dataplane.link.LinkNames;
import dev.sixpn.events.Events;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.publish.LifecyclePublisher;
import dev.sixpn.publish.LifecycleTopic;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code sixpn demo --hostile}: what anyone who can publish to the lifecycle topic might try
 * against host 1, and the checks that the host is unharmed. Well-formed events whose metadata names
 * the underlay, the WireGuard device, {@code lo}, another instance's link or a path; ids named like
 * host interfaces and namespaces; records no valid event can express ({@code ..}, unicode,
 * over-long ids, control fields in the data); a live instance id claimed by another organization on
 * the same host. Then: the host's programs, addresses, routes and {@code /etc/netns} are exactly as
 * before, existing instances keep the mesh, the host keeps folding, a new legitimate instance
 * resolves and is reachable across hosts, and destroying the hostile instances leaves the host as
 * before.
 */
final class HostileEvents {

  private static final String APP = "fearsome-bagel-43";

  private final Demo demo;
  private final DemoLab lab;
  private final String bootstrap;
  private final Map<String, Object> kafkaClient;
  private final LifecyclePublisher publisher;
  private final String tag;

  HostileEvents(
      Demo demo,
      DemoLab lab,
      String bootstrap,
      Map<String, Object> kafkaClient,
      LifecyclePublisher publisher,
      String tag) {
    this.demo = demo;
    this.lab = lab;
    this.bootstrap = bootstrap;
    this.kafkaClient = kafkaClient;
    this.publisher = publisher;
    this.tag = tag;
  }

  void run(
      DemoLab.HostSpec host,
      DemoLab.Inst local,
      DemoLab.Inst remote,
      DemoLab.Inst otherOrg,
      String wgDevice)
      throws Exception {
    demo.say("hostile events for host " + host.id() + ": reading the host as it is first");
    HostSnapshot before = HostSnapshot.of(lab, host.id());

    // Well-formed events whose metadata or id names something that is not the instance's own.
    Map<String, Map<String, String>> valid = new LinkedHashMap<>();
    valid.put(
        "d" + tag + "-hm",
        Map.of("sixpn.link", "u0", "sixpn.netns", "../../tmp/x", "sixpn.allow-host", "true"));
    valid.put("d" + tag + "-hw", Map.of("sixpn.link", wgDevice));
    valid.put("d" + tag + "-hl", Map.of("sixpn.link", "lo", "sixpn.netns", "/etc"));
    valid.put("d" + tag + "-hs", Map.of("sixpn.link", LinkNames.hostSideLink(local.id())));
    valid.put("u0", Map.of());
    valid.put("lo", Map.of());
    valid.put(wgDevice, Map.of());
    valid.put(lab.hostNs(host.id()), Map.of());
    publishRaw(host);
    List<String> hostileIds = new ArrayList<>(valid.keySet());
    for (Map.Entry<String, Map<String, String>> e : valid.entrySet()) {
      publisher
          .publish(
              new LifecycleEvent.InstanceStarted(
                  Events.newEventId(),
                  Instant.now(),
                  e.getKey(),
                  1,
                  APP,
                  "app",
                  host.id(),
                  host.region(),
                  lab.allocate(1, host.id()),
                  e.getValue()))
          .get();
    }
    // A live instance id claimed in another organization on the same host.
    publisher
        .publish(
            new LifecycleEvent.InstanceStarted(
                Events.newEventId(),
                Instant.now(),
                local.id(),
                otherOrg.network(),
                otherOrg.app(),
                "app",
                host.id(),
                host.region(),
                lab.allocate(otherOrg.network(), host.id()),
                Map.of()))
        .get();
    String last = hostileIds.getLast();
    demo.say("published " + (hostileIds.size() + 1) + " hostile events and 5 hostile records");

    demo.check(
        "the host folded them (a hostile but valid instance is listed, nothing more)",
        local,
        Duration.ofSeconds(15),
        s -> !s.isBlank(),
        "dig",
        "+short",
        "aaaa",
        last + ".vm." + APP + ".internal");
    demo.check(
        "a live instance id claimed by another organization is refused",
        otherOrg,
        Duration.ofSeconds(5),
        s -> s.contains("NXDOMAIN"),
        "dig",
        "aaaa",
        local.id() + ".vm." + otherOrg.app() + ".internal");
    Thread.sleep(1500); // a plumbing pass has run since (it follows every change batch)
    demo.checkHost(
        "programs, addresses, routes and /etc/netns of host " + host.id() + " unchanged",
        Duration.ofSeconds(5),
        () -> {
          HostSnapshot now = HostSnapshot.of(lab, host.id());
          return now.equals(before) ? null : before.diff(now);
        });
    demo.checkHost(
        "nothing written outside /etc/netns/<instance>/",
        Duration.ofSeconds(1),
        () -> Files.exists(Path.of("/tmp/x")) ? "/tmp/x exists" : null);
    demo.checkHost(
        "from_instance only on instance links, from_mesh on "
            + wgDevice
            + ", from_underlay on u0,"
            + " nothing on lo",
        Duration.ofSeconds(1),
        () -> {
          StringBuilder bad = new StringBuilder();
          Map<String, String> programs = HostSnapshot.of(lab, host.id()).programs();
          if (!"from_mesh".equals(programs.get(wgDevice))
              || !"from_underlay".equals(programs.get("u0"))) {
            bad.append("expected from_mesh and from_underlay: ").append(programs).append('\n');
          }
          programs.forEach(
              (link, prog) -> {
                boolean instanceLink = LinkNames.isInstanceLink(link);
                if ((prog.equals("from_instance") != instanceLink)
                    || (link.equals("lo") && !prog.equals("-"))) {
                  bad.append(link).append(" carries ").append(prog).append('\n');
                }
              });
          return bad.isEmpty() ? null : bad.toString();
        });
    demo.ping("existing instances keep the mesh", local, remote, true, Duration.ofSeconds(10));

    for (String id : hostileIds) {
      publisher
          .publish(
              new LifecycleEvent.InstanceDestroyed(Events.newEventId(), Instant.now(), id, 1, APP))
          .get();
    }
    demo.check(
        "destroyed hostile instances are gone",
        local,
        Duration.ofSeconds(10),
        s -> s.contains("NXDOMAIN"),
        "dig",
        "aaaa",
        last + ".vm." + APP + ".internal");
    Thread.sleep(1500);
    demo.checkHost(
        "...and host " + host.id() + " is exactly as before",
        Duration.ofSeconds(5),
        () -> {
          HostSnapshot now = HostSnapshot.of(lab, host.id());
          return now.equals(before) ? null : before.diff(now);
        });

    DemoLab.Inst legit = lab.instance(publisher, "d" + tag + "-legit", 1, APP, host);
    demo.check(
        "a legitimate instance started afterwards resolves from the other host",
        remote,
        Duration.ofSeconds(15),
        s -> s.strip().equals(legit.address().toString()),
        "dig",
        "+short",
        "aaaa",
        legit.id() + ".vm." + APP + ".internal");
    demo.ping("...and is reachable across hosts", remote, legit, true, Duration.ofSeconds(20));
    demo.check(
        "...and has its resolver files",
        legit,
        Duration.ofSeconds(5),
        s -> s.contains(legit.address() + "\tlocal-6pn"),
        "cat",
        "/etc/hosts");
  }

  /** Records no valid event can express, sent as raw bytes on network 1's partition. */
  private void publishRaw(DemoLab.HostSpec host) throws Exception {
    SixpnAddress a = lab.allocate(1, host.id());
    String[] ids = {"../../tmp/x", "ínstance-é", "x".repeat(64), "a/b", "UPPER"};
    Properties p = new Properties();
    p.putAll(kafkaClient);
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, byte[]> raw =
        new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      for (String id : ids) {
        String json =
            "{\"schema\":2,\"type\":\"instance.started\",\"id\":\""
                + Events.newEventId()
                + "\",\"time\":\""
                + Instant.now()
                + "\",\"data\":{\"instanceId\":\""
                + id
                + "\",\"network\":1,\"app\":\""
                + APP
                + "\",\"processGroup\":\"app\",\"host\":"
                + host.id()
                + ",\"region\":\""
                + host.region()
                + "\",\"address\":\""
                + a
                + "\",\"link\":\"u0\",\"netns\":\"../../tmp/x\",\"metadata\":{}}}";
        raw.send(
                new ProducerRecord<>(
                    LifecycleTopic.NAME, "1", json.getBytes(StandardCharsets.UTF_8)))
            .get();
      }
    }
  }
}
