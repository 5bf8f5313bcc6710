package dev.sixpn.publish;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Kafka client properties from a file, the way Kafka's own tools take them ({@code
 * --command-config}, {@code --producer.config}): any client setting ({@code security.protocol},
 * {@code sasl.*}, {@code ssl.*}, …), merged over sixpn's defaults for each client.
 */
public final class KafkaClientProperties {

  private KafkaClientProperties() {}

  /**
   * Reads a Java properties file.
   *
   * @throws IllegalArgumentException if it cannot be read, or sets {@code bootstrap.servers} (that
   *     comes from the command line, so one file serves every cluster address)
   */
  public static Map<String, Object> load(Path file) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file)) {
      p.load(r);
    } catch (IOException | UncheckedIOException e) {
      throw new IllegalArgumentException("cannot read Kafka client properties " + file + ": " + e);
    }
    if (p.containsKey("bootstrap.servers")) {
      throw new IllegalArgumentException(
          file + " sets bootstrap.servers; give the brokers with --bootstrap instead");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k)));
    return Map.copyOf(out);
  }

  /** {@code defaults}, then {@code overrides} over them, then {@code bootstrap.servers}. */
  public static Map<String, Object> merge(
      Map<String, ?> defaults, Map<String, ?> overrides, String bootstrapServers) {
    Map<String, Object> out = new LinkedHashMap<>(defaults);
    out.putAll(overrides);
    out.put("bootstrap.servers", bootstrapServers);
    return out;
  }
}
