package dev.sixpn.demo;

import dev.sixpn.dataplane.Dataplane;
import dev.sixpn.dataplane.DataplaneConfig;
import dev.sixpn.events.EventCodec;
import dev.sixpn.events.Events;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.kafka.KafkaBrokers;
import dev.sixpn.kafka.SecureKafkaBroker;
import dev.sixpn.publish.KafkaAcls;
import dev.sixpn.publish.LifecyclePublisher;
import dev.sixpn.publish.LifecycleTopic;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code sixpn demo}, inside the core namespace: two hosts (nrt, ams), two organizations, five
 * instances, everything real. Runs the README's examples from inside the instances and checks each.
 */
public final class Demo {

  private static final DemoLab.HostSpec NRT = new DemoLab.HostSpec(1, "nrt", 35.76, 140.38);
  private static final DemoLab.HostSpec AMS = new DemoLab.HostSpec(2, "ams", 52.31, 4.76);

  private final String tag;
  private final Path work;
  private final List<String> javaCommand;
  private final PrintStream out;
  private final Set<Extra> extras;

  /** Phases run after the main checks, each on its own flag. */
  public enum Extra {
    /** Hostile events for host 1, then checks that the host is unharmed. */
    HOSTILE,
    /** An app of 10,000 instances resolved from an instance. */
    BIG_APP,
    /** The broker stopped for good; host 1's agent killed and restarted while it is down. */
    OUTAGE,
    /** A WireGuard peer (a laptop namespace) in network 1, through host 1; then removed. */
    PEERS,
    /** Only the peer checks, right after the lab is up (the main checks are skipped). */
    PEERS_ONLY
  }

  private int failures;

  /**
   * @param extras phases to run after the main checks, in the order of {@link Extra}
   */
  public Demo(String tag, Path work, List<String> javaCommand, PrintStream out, Set<Extra> extras) {
    this.tag = tag;
    this.work = work;
    this.javaCommand = withHostsFile(javaCommand, work.resolve("hosts"));
    this.out = out;
    this.extras = Set.copyOf(extras);
  }

  /**
   * The JVMs the demo starts in host namespaces resolve names from {@code hostsFile} only. Kafka's
   * SASL client looks up the broker's address in reverse DNS on every connection ({@code
   * InetAddress.getHostName()}); from a host namespace the machine's resolver is routed but never
   * answers, so each lookup waited out the resolver's timeout (10 s): the agents caught up 10 to 17
   * s after they started. The file names the broker and nothing else is looked up by name.
   */
  private static List<String> withHostsFile(List<String> javaCommand, Path hostsFile) {
    List<String> c = new ArrayList<>(javaCommand);
    c.add(1, "-Djdk.net.hosts.file=" + hostsFile);
    return List.copyOf(c);
  }

  private void writeHostsFile() throws java.io.IOException {
    java.nio.file.Files.writeString(
        work.resolve("hosts"),
        "127.0.0.1 localhost\n::1 localhost\n" + DemoLab.BROKER_IP + " kafka.sixpn-demo\n");
  }

  /**
   * Builds the lab, runs the checks, then either returns (exitAfterChecks) or waits until
   * interrupted. Tears everything down either way.
   *
   * @return the number of failed checks
   */
  public int run(boolean exitAfterChecks) throws Exception {
    try (DemoLab lab = new DemoLab(tag, work)) {
      Thread hook = new Thread(lab::close, "demo-teardown");
      Runtime.getRuntime().addShutdownHook(hook);
      lab.core();
      writeHostsFile();
      say(
          "starting Kafka (KRaft, SASL_SSL, ACLs) at "
              + DemoLab.BROKER_IP
              + ":"
              + DemoLab.BROKER_PORT);
      SecureKafkaBroker broker =
          KafkaBrokers.startEmbeddedSaslSsl(
              work.resolve("kafka"),
              DemoLab.BROKER_IP,
              DemoLab.BROKER_PORT,
              List.of(DemoLab.hostUser(NRT.id()), DemoLab.hostUser(AMS.id())));
      lab.onClose(broker::close);
      Map<String, Object> orchestrator = broker.clientConfig(SecureKafkaBroker.ORCHESTRATOR);
      LifecyclePublisher publisher =
          LifecyclePublisher.connect(
              broker.bootstrapServers(),
              orchestrator,
              LifecycleTopic.NAME,
              LifecycleTopic.DEFAULT_PARTITIONS,
              Duration.ofSeconds(30));
      lab.onClose(publisher::close);
      broker.writeClientConfig(SecureKafkaBroker.ORCHESTRATOR, lab.orchestratorKafkaConfig());
      List<String> hostPrincipals = new ArrayList<>();
      for (DemoLab.HostSpec h : List.of(NRT, AMS)) {
        broker.writeClientConfig(DemoLab.hostUser(h.id()), lab.kafkaConfig(h.id()));
        hostPrincipals.add("User:" + DemoLab.hostUser(h.id()));
      }
      KafkaAcls.apply(
          broker.bootstrapServers(),
          orchestrator,
          KafkaAcls.forHosts(LifecycleTopic.NAME, hostPrincipals),
          Duration.ofSeconds(30));
      say(
          "publishing as User:orchestrator; hosts read as "
              + String.join(", ", hostPrincipals)
              + " (Read and Describe on "
              + LifecycleTopic.NAME
              + " only)");
      for (DemoLab.HostSpec h : List.of(NRT, AMS)) {
        lab.host(h);
      }
      Instant now = Instant.now();
      for (DemoLab.HostSpec h : List.of(NRT, AMS)) {
        // Orchestration announces hosts: the key is the one the agent will load from its data
        // directory, created here before the agent starts.
        String key =
            Dataplane.publicKey(DataplaneConfig.defaults(h.id(), lab.hostDir(h.id()))).base64();
        publisher
            .publish(
                new LifecycleEvent.HostJoined(
                    Events.newEventId(),
                    now,
                    h.id(),
                    h.region(),
                    h.latitude(),
                    h.longitude(),
                    key,
                    DemoLab.underlay(h.id()) + ":51820"))
            .get();
      }
      say("published host.joined for hosts 1 and 2 as orchestration");
      checkHost(
          "a host's credentials cannot publish: host 2 claiming host 1 is refused",
          Duration.ZERO,
          () -> forgedHostJoin(broker, NRT, AMS));
      publisher
          .publish(new LifecycleEvent.NetworkCreated(Events.newEventId(), now, 1, "acme"))
          .get();
      publisher
          .publish(new LifecycleEvent.NetworkCreated(Events.newEventId(), now, 2, "globex"))
          .get();
      publisher
          .publish(new LifecycleEvent.AppCreated(Events.newEventId(), now, 1, "fearsome-bagel-43"))
          .get();
      publisher
          .publish(new LifecycleEvent.AppCreated(Events.newEventId(), now, 1, "redis-bagel-43"))
          .get();
      publisher
          .publish(new LifecycleEvent.AppCreated(Events.newEventId(), now, 2, "secret-app"))
          .get();
      List<Process> agents = new ArrayList<>();
      for (DemoLab.HostSpec h : List.of(NRT, AMS)) {
        say(
            "starting the agent of host "
                + h.id()
                + " ("
                + h.region()
                + ") in namespace "
                + lab.hostNs(h.id()));
        agents.add(lab.agent(h, javaCommand));
      }
      lab.awaitAgent(NRT.id(), agents.get(0), Duration.ofSeconds(90));
      lab.awaitAgent(AMS.id(), agents.get(1), Duration.ofSeconds(90));

      DemoLab.Inst web1 = lab.instance(publisher, "d" + tag + "-web1", 1, "fearsome-bagel-43", NRT);
      DemoLab.Inst web2 = lab.instance(publisher, "d" + tag + "-web2", 1, "fearsome-bagel-43", AMS);
      DemoLab.Inst redis = lab.instance(publisher, "d" + tag + "-redis1", 1, "redis-bagel-43", AMS);
      DemoLab.Inst secret1 = lab.instance(publisher, "d" + tag + "-secret1", 2, "secret-app", NRT);
      DemoLab.Inst secret2 = lab.instance(publisher, "d" + tag + "-secret2", 2, "secret-app", AMS);
      say("published 5 instance.started events; instances are namespaces named after their ids");
      if (extras.contains(Extra.PEERS_ONLY)) {
        new PeerChecks(this, lab, javaCommand, tag).run(NRT, web1, redis, secret1, secret2);
        summary();
        Runtime.getRuntime().removeShutdownHook(hook);
        return failures;
      }

      String webAddresses = sorted(web1.address() + "\n" + web2.address());
      check(
          "nginx upstreams: the app's instances",
          web1,
          Duration.ofSeconds(30),
          s -> sorted(s).equals(webAddresses),
          "dig",
          "+short",
          "aaaa",
          "fearsome-bagel-43.internal");
      check(
          "sibling apps of the organization",
          web1,
          Duration.ofSeconds(5),
          s -> s.strip().equals("\"fearsome-bagel-43,redis-bagel-43\""),
          "dig",
          "+short",
          "txt",
          "_apps.internal");
      check(
          "regions of the app",
          web1,
          Duration.ofSeconds(5),
          s -> s.strip().equals("\"ams,nrt\""),
          "dig",
          "+short",
          "txt",
          "regions.fearsome-bagel-43.internal");
      check(
          "instances in one region",
          web1,
          Duration.ofSeconds(5),
          s -> s.strip().equals(web1.address().toString()),
          "dig",
          "+short",
          "aaaa",
          "nrt.fearsome-bagel-43.internal");
      check(
          "another organization's app does not exist",
          web1,
          Duration.ofSeconds(5),
          s -> s.contains("status: NXDOMAIN"),
          "dig",
          "aaaa",
          "secret-app.internal");
      check(
          "...but its own organization sees it",
          secret1,
          Duration.ofSeconds(5),
          s -> sorted(s).equals(sorted(secret1.address() + "\n" + secret2.address())),
          "dig",
          "+short",
          "aaaa",
          "secret-app.internal");
      ping("Redis by name, across hosts over WireGuard", web1, redis, true, Duration.ofSeconds(20));
      ping("its own app on the other host", web1, web2, true, Duration.ofSeconds(10));
      ping(
          "another organization is unreachable (dropped by BPF)",
          web1,
          secret2,
          false,
          Duration.ofSeconds(1));
      check(
          "local-6pn in /etc/hosts",
          redis,
          Duration.ofSeconds(5),
          s ->
              s.contains(redis.address() + "\tlocal-6pn")
                  || s.contains(redis.address() + " local-6pn"),
          "cat",
          "/etc/hosts");

      new CliChecks(this, lab, javaCommand, tag).run(NRT, AMS, web1, secret2);

      say(
          "killing the agent of host 2 (SIGKILL), stopping "
              + web2.id()
              + " while it is down, restarting the agent");
      Process killed = agents.get(1);
      killed.destroyForcibly();
      killed.waitFor();
      publisher
          .publish(
              new LifecycleEvent.InstanceStopped(
                  Events.newEventId(), Instant.now(), web2.id(), 1, "fearsome-bagel-43"))
          .get();
      Process restarted = lab.agent(AMS, javaCommand);
      lab.awaitAgent(AMS.id(), restarted, Duration.ofSeconds(90));
      check(
          "after the restart, the stopped instance is gone from DNS",
          web1,
          Duration.ofSeconds(10),
          s -> s.strip().equals(web1.address().toString()),
          "dig",
          "+short",
          "aaaa",
          "fearsome-bagel-43.internal");
      ping(
          "...and unreachable (its map entries pruned)", web1, web2, false, Duration.ofSeconds(30));
      ping("...while the rest of host 2 still answers", web1, redis, true, Duration.ofSeconds(10));
      if (extras.contains(Extra.PEERS)) {
        new PeerChecks(this, lab, javaCommand, tag).run(NRT, web1, redis, secret1, secret2);
      }
      if (extras.contains(Extra.HOSTILE)) {
        new HostileEvents(this, lab, publisher, tag)
            .run(NRT, web1, redis, secret1, lab.wgDevice(NRT.id()));
      }
      if (extras.contains(Extra.BIG_APP)) {
        new BigApp(this, lab, publisher).run(AMS, web1);
      }
      if (extras.contains(Extra.OUTAGE)) {
        new BrokerOutage(this, lab, javaCommand)
            .run(broker, NRT, agents.get(0), web1, redis, "fearsome-bagel-43");
      }

      summary();
      if (!exitAfterChecks) {
        out.println();
        out.println("The lab stays up until Ctrl-C. Try, as root:");
        out.println("  ip netns exec " + web1.id() + " dig aaaa fearsome-bagel-43.internal");
        out.println(
            "  ip netns exec " + web1.id() + " dig txt vms.fearsome-bagel-43.internal +short");
        out.println("  ip netns exec " + secret1.id() + " dig txt _apps.internal +short");
        out.println("  ip netns exec " + web2.id() + " ping -6 -c 3 " + redis.address());
        out.println(
            "Start an instance of your own on host 2 (sixpn run; it goes when the command does):");
        out.println(
            "  ./sixpn run --host-netns "
                + lab.hostNs(AMS.id())
                + " --bootstrap "
                + DemoLab.BROKER_IP
                + ":"
                + DemoLab.BROKER_PORT
                + " --app redis-bagel-43 --network 1 --host 2 --region ams --instance-id my-redis \\");
        out.println(
            "      -- sh -c 'exec redis-server --bind $SIXPN_PRIVATE_IP --protected-mode no'");
        out.println(
            "  ip netns exec "
                + web1.id()
                + " redis-cli -h my-redis.vm.redis-bagel-43.internal ping");
        out.println(
            "  curl -s 127.0.0.1:9464/metrics   (inside a host: nsenter --net=/run/netns/"
                + lab.hostNs(1)
                + " curl ...)");
        Thread.currentThread().join(); // until Ctrl-C; the shutdown hook tears down
      }
      Runtime.getRuntime().removeShutdownHook(hook);
      return failures;
    }
  }

  /**
   * Host {@code as} publishes a host.joined for {@code victim} with its own key: null when the
   * broker refuses it, else what went wrong.
   */
  private static String forgedHostJoin(
      SecureKafkaBroker broker, DemoLab.HostSpec victim, DemoLab.HostSpec as) {
    Map<String, Object> c = new HashMap<>(broker.clientConfig(DemoLab.hostUser(as.id())));
    c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
    c.put(ProducerConfig.ACKS_CONFIG, "1");
    c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    LifecycleEvent.HostJoined forged =
        new LifecycleEvent.HostJoined(
            Events.newEventId(),
            Instant.now(),
            victim.id(),
            victim.region(),
            victim.latitude(),
            victim.longitude(),
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            "192.0.2.66:51820");
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(c, new StringSerializer(), new ByteArraySerializer())) {
      producer
          .send(
              new ProducerRecord<>(
                  LifecycleTopic.NAME, forged.partitionKey(), EventCodec.encode(forged)))
          .get(30, TimeUnit.SECONDS);
      return "the broker accepted host.joined for host " + victim.id() + " from host " + as.id();
    } catch (ExecutionException e) {
      return e.getCause() instanceof TopicAuthorizationException
          ? null
          : "refused, but not by the authorizer: " + e.getCause();
    } catch (InterruptedException | TimeoutException e) {
      return "no answer: " + e;
    }
  }

  private void summary() {
    out.println();
    if (failures == 0) {
      out.println("sixpn demo: all checks passed.");
    } else {
      out.println(
          "sixpn demo: "
              + failures
              + " check(s) FAILED; agent logs: "
              + work.resolve("h1.log")
              + ", "
              + work.resolve("h2.log"));
    }
  }

  void say(String text) {
    out.println("demo: " + text);
  }

  /** Checks that {@code from} reaches {@code to} over ICMPv6, or that every ping is lost. */
  void ping(String what, DemoLab.Inst from, DemoLab.Inst to, boolean reaches, Duration patience)
      throws InterruptedException {
    ping(what, from, to.address().toString(), reaches, patience);
  }

  /** The same, to an address or a name. */
  void ping(String what, DemoLab.Inst from, String to, boolean reaches, Duration patience)
      throws InterruptedException {
    String expected = reaches ? " 0% packet loss" : "100% packet loss";
    check(
        what,
        from,
        patience,
        s -> s.contains(expected),
        "ping",
        "-6",
        "-c",
        "2",
        "-i",
        "0.2",
        "-W",
        "1",
        to);
  }

  void check(
      String what, DemoLab.Inst from, Duration patience, Predicate<String> ok, String... command)
      throws InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", from.id()));
    cmd.addAll(List.of(command));
    long deadline = System.nanoTime() + patience.toNanos();
    Shell.Result r;
    boolean passed;
    do {
      r = Shell.run(cmd.toArray(String[]::new));
      passed = ok.test(r.output());
      if (passed || System.nanoTime() > deadline) {
        break;
      }
      Thread.sleep(300);
    } while (true);
    out.println();
    out.println((passed ? "[ok]   " : "[FAIL] ") + what);
    out.println("  $ ip netns exec " + from.id() + " " + String.join(" ", command));
    for (String line : r.output().strip().split("\n")) {
      if (!line.isBlank() && !line.startsWith(";;") && !line.startsWith("; <<>>")) {
        out.println("    " + line);
      } else if (line.contains("status:") || line.startsWith(";; flags:")) {
        out.println("    " + line.replaceFirst(";; ->>HEADER<<- ", "").replaceFirst(";; ", ""));
      }
    }
    if (!passed) {
      failures++;
    }
  }

  /** A check of the host itself rather than of an instance: polled until it holds or times out. */
  void checkHost(String what, Duration patience, java.util.function.Supplier<String> problem)
      throws InterruptedException {
    long deadline = System.nanoTime() + patience.toNanos();
    String p;
    while ((p = problem.get()) != null && System.nanoTime() < deadline) {
      Thread.sleep(300);
    }
    out.println();
    out.println((p == null ? "[ok]   " : "[FAIL] ") + what);
    if (p != null) {
      p.lines().forEach(l -> out.println("    " + l));
      failures++;
    }
  }

  private static String sorted(String lines) {
    return String.join("\n", lines.strip().lines().map(String::strip).sorted().toList());
  }
}
