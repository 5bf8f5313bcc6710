package dev.sixpn.kafka;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.utils.Time;

/**
 * One KRaft node of a {@link KafkaCluster}, in a JVM of its own so that killing it is a real
 * SIGKILL: {@code java -cp <classpath> dev.sixpn.kafka.KafkaNode <server.properties>}, its log
 * directory already formatted. SIGTERM shuts it down cleanly. It also stops when its standard input
 * closes: the cluster's process holds that pipe, so a node never outlives it, even when that
 * process is SIGKILLed.
 */
public final class KafkaNode {

  private KafkaNode() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: KafkaNode <server.properties>");
      System.exit(2);
    }
    Properties props = new Properties();
    try (Reader r = Files.newBufferedReader(Path.of(args[0]))) {
      props.load(r);
    }
    KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(props), Time.SYSTEM);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.shutdown();
                  server.awaitShutdown();
                },
                "kafka-node-shutdown"));
    Thread.ofPlatform()
        .daemon()
        .name("kafka-node-parent-watch")
        .start(
            () -> {
              try {
                while (System.in.read() >= 0) {
                  // The parent never writes; anything read is ignored.
                }
              } catch (IOException e) {
                // A broken pipe is the parent gone, like EOF.
              }
              System.exit(0);
            });
    try {
      server.startup();
    } catch (RuntimeException e) {
      // Kafka's threads are not daemons: without an exit, a node that failed to start would hang.
      e.printStackTrace();
      System.exit(1);
    }
    server.awaitShutdown();
  }
}
