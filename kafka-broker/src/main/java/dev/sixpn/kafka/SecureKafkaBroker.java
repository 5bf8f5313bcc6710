package dev.sixpn.kafka;

import java.nio.file.Path;
import java.util.Map;

/**
 * A broker whose only client listener is SASL_SSL (SCRAM-SHA-512 over TLS), with the standard
 * authorizer and no access without an ACL. {@code User:broker} and {@code User:}{@value
 * #ORCHESTRATOR} are super users; every other user has only what ACLs grant it.
 */
public interface SecureKafkaBroker extends KafkaBroker {

  /** The user orchestration publishes as: a super user. */
  String ORCHESTRATOR = "orchestrator";

  /**
   * Kafka client properties that authenticate as {@code user} and trust the broker's certificate
   * (no {@code bootstrap.servers}).
   *
   * @throws IllegalArgumentException if the broker has no credentials for {@code user}
   */
  Map<String, Object> clientConfig(String user);

  /** Writes {@link #clientConfig} as a properties file readable by its owner only. */
  Path writeClientConfig(String user, Path file);

  /**
   * Starts the broker again after {@link #close}, on the same address with the same log,
   * certificate and credentials, so clients configured before keep working: a broker outage.
   *
   * @throws IllegalStateException if it is running, or its log was deleted when it closed
   */
  void restart();
}
