package dev.sixpn.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.address.InstanceAllocator;
import dev.sixpn.address.SixpnAddress;
import dev.sixpn.events.EventCodec;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.kafka.KafkaBroker;
import dev.sixpn.kafka.KafkaBrokers;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Against a real broker (embedded KRaft, or Testcontainers' Kafka where Docker exists). */
class LifecyclePublisherIT {

  private static KafkaBroker broker;

  @BeforeAll
  static void startBroker() {
    broker = KafkaBrokers.start();
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  @Test
  void publish_10000EventsAcross50Networks_keepsOrderPerNetwork() throws Exception {
    int networks = 50;
    int perNetwork = 200;
    InstanceAllocator allocator = new InstanceAllocator();
    Map<String, List<String>> sentIdsByKey = new HashMap<>();
    List<CompletableFuture<?>> acks = new ArrayList<>();
    try (LifecyclePublisher publisher =
        LifecyclePublisher.connect(
            broker.bootstrapServers(), "order-test", 8, Duration.ofSeconds(30))) {
      for (int i = 0; i < perNetwork; i++) {
        for (int n = 1; n <= networks; n++) {
          SixpnAddress a = allocator.allocate(n, 1 + i % 3);
          LifecycleEvent e =
              new LifecycleEvent.InstanceStarted(
                  "n" + n + "-" + i,
                  Instant.now(),
                  "i" + i,
                  n,
                  "app",
                  "app",
                  a.host(),
                  "nrt",
                  a,
                  Map.of());
          sentIdsByKey.computeIfAbsent(e.partitionKey(), k -> new ArrayList<>()).add(e.eventId());
          acks.add(publisher.publish(e));
        }
      }
      publisher.flush();
      CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get();
    }

    Map<String, List<String>> readIdsByKey = new HashMap<>();
    Properties c = new Properties();
    c.put("bootstrap.servers", broker.bootstrapServers());
    try (var consumer =
        new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts =
          consumer.partitionsFor("order-test").stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      assertEquals(8, parts.size());
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      int read = 0;
      while (read < networks * perNetwork && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          LifecycleEvent e = EventCodec.decode(r.value());
          assertEquals(r.key(), e.partitionKey());
          readIdsByKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(e.eventId());
          read++;
        }
      }
      assertEquals(networks * perNetwork, read);
    }
    assertEquals(sentIdsByKey, readIdsByKey);
  }

  @Test
  void connect_unreachableBroker_failsFastWithClearMessage() {
    long start = System.nanoTime();
    BrokerUnreachableException e =
        assertThrows(
            BrokerUnreachableException.class,
            () ->
                LifecyclePublisher.connect(
                    "127.0.0.1:1", LifecycleTopic.NAME, 1, Duration.ofSeconds(2)));
    assertTrue(e.getMessage().contains("no Kafka broker answered at 127.0.0.1:1"), e.getMessage());
    assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 15);
  }
}
