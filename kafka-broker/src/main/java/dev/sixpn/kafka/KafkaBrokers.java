package dev.sixpn.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;

/**
 * Starts the broker the environment calls for, so the same tests serve with and without Docker.
 *
 * <p>System property {@value #PROPERTY}: {@code embedded} (a KRaft broker in this JVM), {@code
 * testcontainers} (the {@code apache/kafka} image), or {@code auto}, the default: Testcontainers
 * when a Docker engine answers and already has the image (nothing is pulled), embedded otherwise.
 */
public final class KafkaBrokers {

  public static final String PROPERTY = "sixpn.kafka";

  private KafkaBrokers() {}

  public static KafkaBroker start() {
    String choice = System.getProperty(PROPERTY, "auto");
    return switch (choice.isBlank() || choice.startsWith("${") ? "auto" : choice) {
      case "embedded" -> EmbeddedKafkaBroker.start();
      case "testcontainers" -> ContainerKafkaBroker.start();
      case "auto" ->
          ContainerKafkaBroker.dockerAvailableWithImage()
              ? ContainerKafkaBroker.start()
              : EmbeddedKafkaBroker.start();
      default ->
          throw new IllegalArgumentException(
              PROPERTY + " must be embedded, testcontainers or auto, got '" + choice + "'");
    };
  }

  /** An embedded broker whose data lives in {@code dataDir} (kept across restarts). */
  public static KafkaBroker startEmbedded(Path dataDir, int port) {
    return EmbeddedKafkaBroker.start(dataDir, port, false);
  }

  /**
   * An embedded broker listening on (and advertising) {@code host:port}; data kept in {@code
   * dataDir}.
   */
  public static KafkaBroker startEmbedded(Path dataDir, String host, int port) {
    return EmbeddedKafkaBroker.start(dataDir, host, port, false);
  }

  /**
   * An embedded SASL_SSL broker on a free localhost port, in a temporary directory removed on
   * close, with SCRAM credentials for the orchestrator and {@code users}.
   */
  public static SecureKafkaBroker startSaslSsl(Collection<String> users) {
    try {
      return EmbeddedKafkaBroker.startSaslSsl(
          Files.createTempDirectory("sixpn-kafka-"), "localhost", 0, true, users);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory for the Kafka broker", e);
    }
  }

  /**
   * An embedded SASL_SSL broker listening on (and advertising) {@code host:port}; {@code dataDir}
   * must not hold a formatted log (credentials are generated per run).
   */
  public static SecureKafkaBroker startEmbeddedSaslSsl(
      Path dataDir, String host, int port, Collection<String> users) {
    return EmbeddedKafkaBroker.startSaslSsl(dataDir, host, port, false, users);
  }
}
