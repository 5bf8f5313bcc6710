package dev.sixpn.projector.consume;

import dev.sixpn.kafka.KafkaBroker;
import dev.sixpn.kafka.KafkaBrokers;
import dev.sixpn.kafka.SecureKafkaBroker;
import dev.sixpn.publish.KafkaAcls;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.admin.Admin;

/**
 * The projector's integration tests run on PLAINTEXT and on SASL_SSL with ACLs: one broker per
 * transport, started on first use and shared by every test class of the run (a SASL_SSL broker
 * takes seconds to start: certificates, SCRAM users), closed when the test JVM exits. On SASL_SSL
 * orchestration publishes as a super user and a host reads as {@value #HOST}, which may only read.
 */
final class ItBrokers {

  static final String HOST = "host-3";

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private static final Map<Boolean, Connection> BY_TRANSPORT = new ConcurrentHashMap<>();

  private ItBrokers() {}

  /** A broker and each role's client settings (none on PLAINTEXT). */
  record Connection(
      KafkaBroker broker, Map<String, Object> orchestrator, Map<String, Object> host) {

    String bootstrap() {
      return broker.bootstrapServers();
    }

    /** An admin client as orchestration. */
    Admin admin() {
      Map<String, Object> config = new HashMap<>(orchestrator);
      config.put("bootstrap.servers", bootstrap());
      return Admin.create(config);
    }

    /** On SASL_SSL, lets the host principal read {@code topic} (and its snapshots). */
    void grantHost(String topic) throws Exception {
      if (broker instanceof SecureKafkaBroker) {
        try (Admin a = admin()) {
          KafkaAcls.apply(a, KafkaAcls.forHosts(topic, List.of("User:" + HOST)), TIMEOUT);
        }
      }
    }

    /** The host's client settings as a properties file, for a projector in another JVM. */
    Path hostConfigFile(Path file) throws IOException {
      if (broker instanceof SecureKafkaBroker secure) {
        secure.writeClientConfig(HOST, file);
      } else {
        java.nio.file.Files.writeString(file, "");
      }
      return file;
    }
  }

  static Connection of(boolean saslSsl) {
    return BY_TRANSPORT.computeIfAbsent(saslSsl, ItBrokers::start);
  }

  private static Connection start(boolean saslSsl) {
    KafkaBroker broker = saslSsl ? KafkaBrokers.startSaslSsl(List.of(HOST)) : KafkaBrokers.start();
    Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "it-broker-close"));
    if (broker instanceof SecureKafkaBroker secure) {
      return new Connection(
          broker, secure.clientConfig(SecureKafkaBroker.ORCHESTRATOR), secure.clientConfig(HOST));
    }
    return new Connection(broker, Map.of(), Map.of());
  }
}
