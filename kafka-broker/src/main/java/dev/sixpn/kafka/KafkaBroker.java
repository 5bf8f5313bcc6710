package dev.sixpn.kafka;

/** A running Kafka broker that tests, benchmarks and the demo talk to. Closing stops it. */
public interface KafkaBroker extends AutoCloseable {

  /** The {@code bootstrap.servers} value for clients. */
  String bootstrapServers();

  /** Stops the broker and removes what it wrote; safe to call twice. */
  @Override
  void close();
}
