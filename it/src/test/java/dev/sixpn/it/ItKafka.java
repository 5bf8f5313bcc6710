package dev.sixpn.it;

import dev.sixpn.kafka.KafkaBroker;
import dev.sixpn.kafka.KafkaBrokers;
import dev.sixpn.kafka.SecureKafkaBroker;
import dev.sixpn.publish.KafkaAcls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;

/**
 * A broker for the end-to-end tests and each role's client settings, so one test runs against a
 * PLAINTEXT broker and against a SASL_SSL broker with ACLs, where orchestration publishes, hosts
 * only read and only the snapshot writer writes snapshots.
 */
final class ItKafka implements AutoCloseable {

  enum Security {
    PLAINTEXT,
    SASL_SSL
  }

  /** Host ids that have credentials on a SASL_SSL broker. */
  static final long MAX_HOST = 9;

  static final String SNAPSHOT_WRITER = "snapshots";

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private KafkaBroker broker;
  private final SecureKafkaBroker secure;
  // Where a PLAINTEXT broker that can be restarted keeps its log; null if it cannot.
  private final Path dataDir;
  private final int port;

  private ItKafka(KafkaBroker broker, Path dataDir, int port) {
    this.broker = broker;
    this.secure = broker instanceof SecureKafkaBroker s ? s : null;
    this.dataDir = dataDir;
    this.port = port;
  }

  static ItKafka start(Security security) {
    if (security == Security.PLAINTEXT) {
      return new ItKafka(KafkaBrokers.start(), null, 0);
    }
    return new ItKafka(KafkaBrokers.startSaslSsl(users()), null, 0);
  }

  /**
   * A broker on {@code localhost:port} with its log in {@code dataDir}, which {@link #restart}
   * starts again on the same address, log and credentials: a broker outage.
   */
  static ItKafka startRestartable(Security security, Path dataDir, int port) {
    if (security == Security.PLAINTEXT) {
      return new ItKafka(KafkaBrokers.startEmbedded(dataDir, port), dataDir, port);
    }
    return new ItKafka(
        KafkaBrokers.startEmbeddedSaslSsl(dataDir, "localhost", port, users()), null, 0);
  }

  private static List<String> users() {
    List<String> users = new ArrayList<>();
    LongStream.rangeClosed(1, MAX_HOST).forEach(h -> users.add(hostUser(h)));
    users.add(SNAPSHOT_WRITER);
    return users;
  }

  /** Starts a broker of {@link #startRestartable} again after {@link #close}. */
  void restart() {
    if (secure != null) {
      secure.restart();
    } else if (dataDir != null) {
      broker = KafkaBrokers.startEmbedded(dataDir, port);
    } else {
      throw new IllegalStateException("not started by startRestartable");
    }
  }

  private static String hostUser(long host) {
    return "host-" + host;
  }

  String bootstrap() {
    return broker.bootstrapServers();
  }

  Map<String, Object> orchestrator() {
    return secure == null ? Map.of() : secure.clientConfig(SecureKafkaBroker.ORCHESTRATOR);
  }

  Map<String, Object> host(long host) {
    if (host < 1 || host > MAX_HOST) {
      throw new IllegalArgumentException("host must be in 1.." + MAX_HOST + ", got " + host);
    }
    return secure == null ? Map.of() : secure.clientConfig(hostUser(host));
  }

  /**
   * The command-line option that gives a process host {@code host}'s credentials ({@code
   * --kafka-config FILE}, the file written into {@code dir}); none on a PLAINTEXT broker.
   */
  List<String> hostOption(long host, Path dir) {
    host(host);
    return option(hostUser(host), dir);
  }

  /** The same as {@link #hostOption} with orchestration's credentials. */
  List<String> orchestratorOption(Path dir) {
    return option(SecureKafkaBroker.ORCHESTRATOR, dir);
  }

  private List<String> option(String user, Path dir) {
    if (secure == null) {
      return List.of();
    }
    Path file = secure.writeClientConfig(user, dir.resolve(user + ".properties"));
    return List.of("--kafka-config", file.toString());
  }

  Map<String, Object> snapshotWriter() {
    return secure == null ? Map.of() : secure.clientConfig(SNAPSHOT_WRITER);
  }

  /**
   * On a SASL_SSL broker, the ACLs of {@code topic} and its snapshot topic: hosts read both, the
   * snapshot writer writes the snapshots.
   */
  void grant(String topic) throws Exception {
    if (secure == null) {
      return;
    }
    List<String> hosts = new ArrayList<>();
    LongStream.rangeClosed(1, MAX_HOST).forEach(h -> hosts.add("User:" + hostUser(h)));
    List<org.apache.kafka.common.acl.AclBinding> acls =
        new ArrayList<>(KafkaAcls.forHosts(topic, hosts));
    acls.addAll(KafkaAcls.forSnapshotWriter(topic, "User:" + SNAPSHOT_WRITER));
    KafkaAcls.apply(bootstrap(), orchestrator(), acls, TIMEOUT);
  }

  /** An admin client as orchestration (a super user on a SASL_SSL broker). */
  Admin admin() {
    Map<String, Object> config = new HashMap<>(orchestrator());
    config.put("bootstrap.servers", bootstrap());
    return Admin.create(config);
  }

  @Override
  public void close() {
    broker.close();
  }
}
