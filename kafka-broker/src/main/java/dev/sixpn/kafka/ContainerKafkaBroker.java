package dev.sixpn.kafka;

import com.github.dockerjava.api.exception.NotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Testcontainers' Kafka (KRaft) on a locally built image, never pulled: by default the project's
 * own broker image, {@value #DEFAULT_IMAGE} ({@code scripts/compose-images.sh} builds it from the
 * Kafka classes in sixpn.jar, started the way {@code apache/kafka} is); system property {@value
 * #IMAGE_PROPERTY} names another, such as {@code apache/kafka:4.1.0} where it has been pulled.
 */
final class ContainerKafkaBroker implements KafkaBroker {

  static final String IMAGE_PROPERTY = "sixpn.kafka.image";
  static final String DEFAULT_IMAGE = "sixpn/kafka:dev";

  private static final Logger log = LoggerFactory.getLogger(ContainerKafkaBroker.class);

  private final KafkaContainer container;

  private ContainerKafkaBroker(KafkaContainer container) {
    this.container = container;
  }

  static KafkaBroker start() {
    String image = System.getProperty(IMAGE_PROPERTY, DEFAULT_IMAGE);
    if (!DockerClientFactory.instance().isDockerAvailable()) {
      throw new IllegalStateException(
          "sixpn.kafka=testcontainers but no Docker engine answers (scripts/install-deps.sh"
              + " compose starts one)");
    }
    try {
      DockerClientFactory.lazyClient().inspectImageCmd(image).exec();
    } catch (NotFoundException e) {
      throw new IllegalStateException(
          "the broker image "
              + image
              + " is not on this Docker engine and is never pulled; build it with"
              + " scripts/compose-images.sh or name another with -D"
              + IMAGE_PROPERTY,
          e);
    }
    KafkaContainer container =
        new KafkaContainer(DockerImageName.parse(image).asCompatibleSubstituteFor("apache/kafka"));
    container.start();
    ContainerKafkaBroker broker = new ContainerKafkaBroker(container);
    // Printed, not only logged: a test run shows that its broker was a container.
    System.out.println(
        "testcontainers: broker "
            + image
            + " in container "
            + container.getContainerId().substring(0, 12)
            + " at "
            + broker.bootstrapServers());
    log.info(
        "testcontainers broker started image={} container={} bootstrap={}",
        image,
        container.getContainerId(),
        broker.bootstrapServers());
    return broker;
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
