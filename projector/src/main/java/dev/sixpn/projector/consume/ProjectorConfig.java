package dev.sixpn.projector.consume;

import java.time.Duration;
import java.util.Map;

/**
 * Settings of a projector.
 *
 * @param bootstrapServers Kafka {@code bootstrap.servers}; required
 * @param topic the lifecycle topic; default {@code sixpn.lifecycle}
 * @param maxPollRecords records per poll, so per RocksDB batch; 1..1,000,000, default {@value
 *     #DEFAULT_MAX_POLL_RECORDS}
 * @param pollTimeout how long one poll waits for records; positive, default 100 ms
 * @param decodeParallelism threads that decode a poll's records at once (the fold itself is one
 *     thread); 1..64, default the number of cores
 * @param kafkaOverrides Kafka consumer properties over the projector's (security, …); default none
 */
public record ProjectorConfig(
    String bootstrapServers,
    String topic,
    int maxPollRecords,
    Duration pollTimeout,
    int decodeParallelism,
    Map<String, Object> kafkaOverrides) {

  /**
   * Records per poll, so per write batch when catching up. Large batches collapse repeated rows (a
   * start and a destroy in one batch write nothing) and amortize each RocksDB write; when caught up
   * a poll returns what has arrived at once, so latency does not depend on this.
   */
  public static final int DEFAULT_MAX_POLL_RECORDS = 50_000;

  public static final Duration DEFAULT_POLL_TIMEOUT = Duration.ofMillis(100);

  public ProjectorConfig {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("bootstrapServers is required");
    }
    if (topic == null || topic.isBlank()) {
      throw new IllegalArgumentException("topic is required");
    }
    if (maxPollRecords < 1 || maxPollRecords > 1_000_000) {
      throw new IllegalArgumentException(
          "maxPollRecords must be in 1..1000000, got " + maxPollRecords);
    }
    if (pollTimeout == null || pollTimeout.isNegative() || pollTimeout.isZero()) {
      throw new IllegalArgumentException("pollTimeout must be positive, got " + pollTimeout);
    }
    if (decodeParallelism < 1 || decodeParallelism > 64) {
      throw new IllegalArgumentException(
          "decodeParallelism must be in 1..64, got " + decodeParallelism);
    }
    if (kafkaOverrides == null) {
      throw new IllegalArgumentException("kafkaOverrides is required (empty for none)");
    }
    if (kafkaOverrides.containsKey("bootstrap.servers")) {
      throw new IllegalArgumentException(
          "kafkaOverrides must not set bootstrap.servers; it is bootstrapServers");
    }
    kafkaOverrides = Map.copyOf(kafkaOverrides);
  }

  public ProjectorConfig(
      String bootstrapServers,
      String topic,
      int maxPollRecords,
      Duration pollTimeout,
      int decodeParallelism) {
    this(bootstrapServers, topic, maxPollRecords, pollTimeout, decodeParallelism, Map.of());
  }

  public static final int DEFAULT_DECODE_PARALLELISM =
      Math.min(64, Runtime.getRuntime().availableProcessors());

  public ProjectorConfig withDecodeParallelism(int decodeParallelism) {
    return new ProjectorConfig(
        bootstrapServers, topic, maxPollRecords, pollTimeout, decodeParallelism, kafkaOverrides);
  }

  public ProjectorConfig withKafkaOverrides(Map<String, ?> kafkaOverrides) {
    return new ProjectorConfig(
        bootstrapServers,
        topic,
        maxPollRecords,
        pollTimeout,
        decodeParallelism,
        Map.copyOf(kafkaOverrides));
  }

  public static ProjectorConfig of(String bootstrapServers, String topic) {
    return new ProjectorConfig(
        bootstrapServers,
        topic,
        DEFAULT_MAX_POLL_RECORDS,
        DEFAULT_POLL_TIMEOUT,
        DEFAULT_DECODE_PARALLELISM);
  }
}
