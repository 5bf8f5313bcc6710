package dev.sixpn.cli;

import dev.sixpn.kafka.KafkaBroker;
import dev.sixpn.kafka.KafkaBrokers;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "kafka",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a real single-node Kafka broker (KRaft) in the foreground, for local use and the demo.",
      "Data stays in --data-dir across restarts. Stop with Ctrl-C."
    })
final class KafkaCommand implements Callable<Integer> {

  @Option(
      names = "--port",
      defaultValue = "9092",
      description = "Client port on localhost (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--data-dir",
      defaultValue = "var/kafka",
      description = "Log directory (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Override
  public Integer call() throws InterruptedException {
    if (port < 1 || port > 65535) {
      throw new SixpnCommand.UsageException("--port must be in 1..65535, got " + port);
    }
    KafkaBroker broker = KafkaBrokers.startEmbedded(dataDir.toAbsolutePath(), port);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  broker.close();
                  stopped.countDown();
                },
                "kafka-shutdown"));
    System.out.println(
        "kafka: listening on "
            + broker.bootstrapServers()
            + ", data in "
            + dataDir.toAbsolutePath());
    stopped.await();
    return 0;
  }
}
