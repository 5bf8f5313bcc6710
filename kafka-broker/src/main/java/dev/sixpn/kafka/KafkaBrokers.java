package dev.sixpn.kafka;

import java.nio.file.Path;

/**
 * Starts the broker the environment calls for, so the same tests serve with and without Docker.
 *
 * <p>System property {@value #PROPERTY}: {@code embedded} (a KRaft broker in this JVM), {@code
 * testcontainers} (the {@code apache/kafka} image), or {@code auto}, the default: Testcontainers
 * when a Docker engine answers, embedded otherwise.
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
          ContainerKafkaBroker.dockerAvailable()
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
}
