package dev.sixpn.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SaslSslBrokerTest {

  @TempDir Path dir;

  @Test
  void startSaslSsl_orchestratorWrites_userWithoutAclIsDenied() throws Exception {
    try (SecureKafkaBroker broker = KafkaBrokers.startSaslSsl(List.of("host-7"))) {
      try (Admin admin = Admin.create(client(broker, SecureKafkaBroker.ORCHESTRATOR))) {
        admin
            .createTopics(List.of(new NewTopic("t", 1, (short) 1)))
            .all()
            .get(30, TimeUnit.SECONDS);
      }
      try (var producer = producer(broker, SecureKafkaBroker.ORCHESTRATOR)) {
        producer.send(new ProducerRecord<>("t", "k", "v")).get(30, TimeUnit.SECONDS);
      }
      try (var producer = producer(broker, "host-7")) {
        ExecutionException e =
            assertThrows(
                ExecutionException.class,
                () -> producer.send(new ProducerRecord<>("t", "k", "v")).get(30, TimeUnit.SECONDS));
        assertInstanceOf(TopicAuthorizationException.class, e.getCause());
      }
    }
  }

  @Test
  void startSaslSsl_wrongPassword_failsWithAuthenticationError() throws Exception {
    try (SecureKafkaBroker broker = KafkaBrokers.startSaslSsl(List.of())) {
      Map<String, Object> c = client(broker, SecureKafkaBroker.ORCHESTRATOR);
      c.put(
          "sasl.jaas.config",
          "org.apache.kafka.common.security.scram.ScramLoginModule required"
              + " username=\"orchestrator\" password=\"wrong\";");
      long t0 = System.nanoTime();
      try (Admin admin = Admin.create(c)) {
        ExecutionException e =
            assertThrows(
                ExecutionException.class,
                () -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS));
        assertInstanceOf(SaslAuthenticationException.class, e.getCause());
      }
      assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos(), "fails fast");
    }
  }

  @Test
  void writeClientConfig_isOwnerOnlyAndLoadable() throws Exception {
    try (SecureKafkaBroker broker = KafkaBrokers.startSaslSsl(List.of("host-7"))) {
      Path file = broker.writeClientConfig("host-7", dir.resolve("host-7.properties"));
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
      var p = new java.util.Properties();
      try (var r = Files.newBufferedReader(file)) {
        p.load(r);
      }
      assertEquals("SASL_SSL", p.getProperty("security.protocol"));
      assertThrows(IllegalArgumentException.class, () -> broker.clientConfig("nobody"));
    }
  }

  private static Map<String, Object> client(SecureKafkaBroker broker, String user) {
    Map<String, Object> c = new HashMap<>(broker.clientConfig(user));
    c.put("bootstrap.servers", broker.bootstrapServers());
    c.put("request.timeout.ms", 10_000);
    c.put("default.api.timeout.ms", 10_000);
    return c;
  }

  private static KafkaProducer<String, String> producer(SecureKafkaBroker broker, String user) {
    Map<String, Object> c = client(broker, user);
    c.remove("default.api.timeout.ms");
    c.put("max.block.ms", 10_000);
    c.put("delivery.timeout.ms", 20_000);
    return new KafkaProducer<>(c, new StringSerializer(), new StringSerializer());
  }
}
