package dev.sixpn.cli;

import dev.sixpn.publish.KafkaClientProperties;
import dev.sixpn.publish.LifecycleTopic;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/** Where the lifecycle log is: every command that talks to Kafka takes these. */
final class KafkaOptions {

  @Option(
      names = "--bootstrap",
      defaultValue = "localhost:9092",
      description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
  String bootstrap;

  @Option(
      names = "--topic",
      defaultValue = LifecycleTopic.NAME,
      description = "Topic (default: ${DEFAULT-VALUE}).")
  String topic;

  @Option(
      names = "--kafka-config",
      paramLabel = "FILE",
      description =
          "Kafka client properties merged over sixpn's defaults, as Kafka's tools take"
              + " --command-config: TLS and SASL settings such as security.protocol or"
              + " sasl.jaas.config.")
  Path kafkaConfig;

  /** The file's properties, or none. */
  Map<String, Object> clientOverrides() {
    if (kafkaConfig == null) {
      return Map.of();
    }
    try {
      return KafkaClientProperties.load(kafkaConfig);
    } catch (IllegalArgumentException e) {
      throw new SixpnCommand.UsageException("--kafka-config: " + e.getMessage());
    }
  }
}
