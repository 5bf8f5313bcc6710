package dev.sixpn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.agent.HostAgent;
import dev.sixpn.agent.HostAgentConfig;
import dev.sixpn.dns.server.DnsEdgeConfig;
import dev.sixpn.events.Events;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.kafka.KafkaBrokers;
import dev.sixpn.kafka.SecureKafkaBroker;
import dev.sixpn.publish.KafkaAcls;
import dev.sixpn.publish.LifecyclePublisher;
import dev.sixpn.publish.progress.Progress;
import dev.sixpn.publish.progress.ProgressTopic;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * The host agent under SASL_SSL: it reads as a host principal that may only read, serves what
 * orchestration published, and cannot announce itself.
 */
class SecureHostAgentIT {

  private static final String TOPIC = "secure-agent-it";

  @TempDir Path dir;

  @Test
  void start_hostCredentials_servesOrchestrationsEvents_cannotAnnounce() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    InetSocketAddress dnsAddress = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    Duration timeout = Duration.ofSeconds(30);
    try (SecureKafkaBroker broker = KafkaBrokers.startSaslSsl(List.of("host-7"))) {
      Map<String, Object> orchestrator = broker.clientConfig(SecureKafkaBroker.ORCHESTRATOR);
      KafkaAcls.apply(
          broker.bootstrapServers(),
          orchestrator,
          KafkaAcls.forHosts(TOPIC, List.of("User:host-7")),
          timeout);
      SixpnAddress a = SixpnAddress.ofInstance(1, 7, 42);
      try (LifecyclePublisher publisher =
          LifecyclePublisher.connect(broker.bootstrapServers(), orchestrator, TOPIC, 2, timeout)) {
        publisher
            .publish(
                new LifecycleEvent.InstanceStarted(
                    Events.newEventId(),
                    Instant.now(),
                    "web-1",
                    1,
                    "web",
                    "app",
                    7,
                    "nrt",
                    a,
                    Map.of()))
            .get();
      }
      HostAgentConfig config =
          new HostAgentConfig(
              7,
              broker.bootstrapServers(),
              TOPIC,
              dir.resolve("h7"),
              Optional.of(
                  DnsEdgeConfig.defaults()
                      .withListen(List.of(dnsAddress))
                      .withEventLoops(1)
                      .withUpstreams(List.of(), Duration.ofMillis(200))
                      .withDevLoopbackNetwork(OptionalLong.of(1))),
              Optional.empty(),
              Optional.of(
                  new HostAgentConfig.Announcement("nrt", 35.76, 140.38, "192.0.2.7:51820")),
              Optional.empty(),
              broker.clientConfig("host-7"));
      try (HostAgent agent = HostAgent.start(config)) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!agent.caughtUp() && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        assertTrue(agent.caughtUp(), "caught up as a host principal");
        assertEquals(List.of(a.toString()), aaaa(dnsAddress, "web.internal"));
        Progress p = progressOf(7, broker.bootstrapServers(), orchestrator);
        assertTrue(
            p.next().values().stream().mapToLong(Long::longValue).sum() >= 1,
            "the host reports what it folded, with its own credentials: " + p);
      }

      HostAgentConfig announcing =
          new HostAgentConfig(
              7,
              broker.bootstrapServers(),
              TOPIC,
              dir.resolve("h7"),
              Optional.empty(),
              Optional.empty(),
              Optional.of(
                  new HostAgentConfig.Announcement("nrt", 35.76, 140.38, "192.0.2.7:51820", true)),
              Optional.empty(),
              broker.clientConfig("host-7"));
      long before = records(broker.bootstrapServers(), orchestrator);
      try (HostAgent agent = HostAgent.start(announcing)) {
        Thread.sleep(3_000); // the announcer has tried (and been refused) at least twice
      }
      assertEquals(before, records(broker.bootstrapServers(), orchestrator), "nothing published");
    }
  }

  /**
   * The host's record in the progress topic, waited for (the host writes it, creating the topic).
   */
  private static Progress progressOf(long host, String bootstrap, Map<String, Object> client)
      throws Exception {
    Map<String, Object> config = withBootstrap(bootstrap, client);
    config.put("key.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class);
    config.put(
        "value.deserializer", org.apache.kafka.common.serialization.ByteArrayDeserializer.class);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    try (var consumer =
        new org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]>(config)) {
      var tp = new org.apache.kafka.common.TopicPartition(ProgressTopic.of(TOPIC), 0);
      while (System.nanoTime() < deadline) {
        if (consumer.assignment().isEmpty()) {
          if (consumer.partitionsFor(tp.topic(), Duration.ofSeconds(5)).isEmpty()) {
            Thread.sleep(200);
            continue;
          }
          consumer.assign(List.of(tp));
          consumer.seekToBeginning(List.of(tp));
        }
        for (var r : consumer.poll(Duration.ofMillis(200))) {
          if (Progress.key(host).equals(r.key())) {
            return Progress.decode(r.value());
          }
        }
      }
    }
    throw new AssertionError("no progress record of host " + host + " within 30 s");
  }

  /** Records in the lifecycle topic (sum of end offsets), read as the orchestrator. */
  private static long records(String bootstrap, Map<String, Object> client) throws Exception {
    try (org.apache.kafka.clients.admin.Admin admin =
        org.apache.kafka.clients.admin.Admin.create(withBootstrap(bootstrap, client))) {
      var partitions =
          admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC).partitions();
      Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> specs =
          new java.util.HashMap<>();
      partitions.forEach(
          p ->
              specs.put(
                  new org.apache.kafka.common.TopicPartition(TOPIC, p.partition()),
                  org.apache.kafka.clients.admin.OffsetSpec.latest()));
      return admin.listOffsets(specs).all().get().values().stream()
          .mapToLong(org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo::offset)
          .sum();
    }
  }

  private static Map<String, Object> withBootstrap(String bootstrap, Map<String, Object> client) {
    Map<String, Object> config = new java.util.HashMap<>(client);
    config.put("bootstrap.servers", bootstrap);
    return config;
  }

  private static List<String> aaaa(InetSocketAddress server, String name) throws Exception {
    SimpleResolver r = new SimpleResolver(server);
    r.setTimeout(Duration.ofSeconds(2));
    Message m =
        r.send(
            Message.newQuery(Record.newRecord(Name.fromString(name + "."), Type.AAAA, DClass.IN)));
    return m.getSection(Section.ANSWER).stream()
        .map(rec -> SixpnAddress.fromBytes(((AAAARecord) rec).getAddress().getAddress()).toString())
        .toList();
  }
}
