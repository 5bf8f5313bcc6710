package dev.sixpn.kafka;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * Testcontainers' Kafka (KRaft, {@code apache/kafka}); used where a Docker engine has its image.
 */
final class ContainerKafkaBroker implements KafkaBroker {

  static final String IMAGE = "apache/kafka:4.1.0";

  private final KafkaContainer container;

  private ContainerKafkaBroker(KafkaContainer container) {
    this.container = container;
  }

  /**
   * Whether {@code auto} may use Testcontainers: an engine answers and the image is already there.
   * An engine that cannot pull (no registry reachable) would otherwise hang every broker-backed
   * test on the pull; {@code -Dsixpn.kafka=testcontainers} still asks for it explicitly.
   */
  static boolean dockerAvailableWithImage() {
    try {
      Class.forName("org.testcontainers.DockerClientFactory");
      DockerClientFactory docker = DockerClientFactory.instance();
      if (!docker.isDockerAvailable()) {
        return false;
      }
      docker.client().inspectImageCmd(IMAGE).exec();
      return true;
    } catch (ClassNotFoundException | LinkageError | RuntimeException e) {
      return false;
    }
  }

  static KafkaBroker start() {
    KafkaContainer container = new KafkaContainer(IMAGE);
    container.start();
    return new ContainerKafkaBroker(container);
  }

  @Override
  public String bootstrapServers() {
    return container.getBootstrapServers();
  }

  @Override
  public void close() {
    container.close();
  }
}
