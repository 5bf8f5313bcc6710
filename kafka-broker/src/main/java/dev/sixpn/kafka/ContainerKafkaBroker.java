package dev.sixpn.kafka;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/** Testcontainers' Kafka (KRaft, {@code apache/kafka}); used where a Docker engine exists. */
final class ContainerKafkaBroker implements KafkaBroker {

  static final String IMAGE = "apache/kafka:4.1.0";

  private final KafkaContainer container;

  private ContainerKafkaBroker(KafkaContainer container) {
    this.container = container;
  }

  static boolean dockerAvailable() {
    try {
      Class.forName("org.testcontainers.DockerClientFactory");
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (ClassNotFoundException | LinkageError e) {
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
