package dev.sixpn.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.events.EventCodec;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.kafka.KafkaBrokers;
import dev.sixpn.kafka.SecureKafkaBroker;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The control plane under SASL_SSL (embedded broker, standard authorizer, no access without an
 * ACL): orchestration writes the lifecycle topic, hosts only read it.
 */
class LifecycleSecurityIT {

  private static final String TOPIC = "secure-lifecycle";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static SecureKafkaBroker broker;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = KafkaBrokers.startSaslSsl(List.of("host-7", "ops"));
    try (Admin admin =
        Admin.create(
            LifecyclePublisher.adminConfig(
                broker.bootstrapServers(),
                broker.clientConfig(SecureKafkaBroker.ORCHESTRATOR),
                TIMEOUT))) {
      KafkaAcls.apply(admin, KafkaAcls.forHosts(TOPIC, List.of("User:host-7")), TIMEOUT);
      KafkaAcls.apply(admin, KafkaAcls.forOrchestrator(TOPIC, "User:ops"), TIMEOUT);
    }
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  @Test
  void hostPrincipal_cannotPublish_butConsumes() throws Exception {
    LifecycleEvent.HostJoined joined =
        new LifecycleEvent.HostJoined(
            "e-host-7",
            Instant.now(),
            7,
            "nrt",
            35.76,
            140.38,
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            "192.0.2.7:51820");
    try (LifecyclePublisher orchestrator =
        LifecyclePublisher.connect(
            broker.bootstrapServers(),
            broker.clientConfig(SecureKafkaBroker.ORCHESTRATOR),
            TOPIC,
            2,
            TIMEOUT)) {
      orchestrator.publish(joined).get(30, TimeUnit.SECONDS);
    }

    Map<String, Object> host = broker.clientConfig("host-7");
    // sixpn's idempotent producer is refused its producer id (no Write anywhere means no
    // IdempotentWrite); a plain producer is refused at the topic. Both fail at once.
    Map<String, Object> plain =
        new HashMap<>(LifecyclePublisher.producerConfig(broker.bootstrapServers(), host));
    plain.put("enable.idempotence", false);
    plain.put("acks", "1");
    for (Map<String, Object> config :
        List.of(LifecyclePublisher.producerConfig(broker.bootstrapServers(), host), plain)) {
      try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config)) {
        // The refusal comes through the send's future, or — when the idempotent producer's
        // refused InitProducerId lands before the send — from send() itself, wrapped.
        Throwable e =
            assertThrows(
                Exception.class,
                () ->
                    producer
                        .send(
                            new ProducerRecord<>(
                                TOPIC, joined.partitionKey(), EventCodec.encode(joined)))
                        .get(30, TimeUnit.SECONDS));
        Class<? extends AuthorizationException> expected =
            config == plain ? TopicAuthorizationException.class : AuthorizationException.class;
        assertInstanceOf(expected, authorizationCause(e), () -> "refused with " + e);
      }
    }
    IllegalStateException noCreate =
        assertThrows(
            IllegalStateException.class,
            () ->
                LifecyclePublisher.connect(broker.bootstrapServers(), host, TOPIC, 2, TIMEOUT)
                    .close());
    assertInstanceOf(TopicAuthorizationException.class, noCreate.getCause());

    Map<String, Object> consumerConfig = new HashMap<>(host);
    consumerConfig.put("bootstrap.servers", broker.bootstrapServers());
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(
            consumerConfig, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(TOPIC, TIMEOUT).stream()
              .map(p -> new TopicPartition(TOPIC, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      ConsumerRecord<String, byte[]> got = null;
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (got == null && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          got = r;
        }
      }
      assertTrue(got != null, "the host read nothing");
      assertEquals(joined, EventCodec.decode(got.value()));
    }
  }

  @Test
  void connect_principalWithOrchestratorAcls_publishes() throws Exception {
    try (LifecyclePublisher ops =
        LifecyclePublisher.connect(
            broker.bootstrapServers(), broker.clientConfig("ops"), TOPIC, 2, TIMEOUT)) {
      ops.publish(new LifecycleEvent.NetworkCreated("e-ops", Instant.now(), 9, "ops"))
          .get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void requireReachable_withoutCredentials_failsWithinTimeout() {
    long t0 = System.nanoTime();
    assertThrows(
        BrokerUnreachableException.class,
        () ->
            BrokerCheck.requireReachable(
                broker.bootstrapServers(), Map.of(), Duration.ofSeconds(3)));
    assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos(), "bounded by the timeout");
  }

  @Test
  void requireReachable_wrongPasswordOrUntrustedBroker_failsWithAuthenticationError() {
    Map<String, Object> wrongPassword =
        new HashMap<>(broker.clientConfig(SecureKafkaBroker.ORCHESTRATOR));
    wrongPassword.put(
        "sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required"
            + " username=\"orchestrator\" password=\"guessed\";");
    Map<String, Object> untrusted = new HashMap<>(broker.clientConfig("host-7"));
    untrusted.remove("ssl.truststore.type");
    untrusted.remove("ssl.truststore.certificates");
    for (var c : List.of(wrongPassword, untrusted)) {
      long t0 = System.nanoTime();
      BrokerAuthenticationException e =
          assertThrows(
              BrokerAuthenticationException.class,
              () -> BrokerCheck.requireReachable(broker.bootstrapServers(), c, TIMEOUT));
      assertTrue(
          e.getCause() instanceof SaslAuthenticationException
              || e.getCause() instanceof SslAuthenticationException,
          e.toString());
      assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos(), "fails fast");
    }
  }

  /** The first {@link AuthorizationException} in {@code e}'s cause chain, or {@code e}. */
  private static Throwable authorizationCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof AuthorizationException) {
        return t;
      }
    }
    return e;
  }
}
