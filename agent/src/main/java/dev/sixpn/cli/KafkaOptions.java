package dev.sixpn.cli;

import dev.sixpn.publish.LifecycleTopic;
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
}
