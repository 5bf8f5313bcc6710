package dev.sixpn.publish;

import dev.sixpn.events.EventCodec;
import dev.sixpn.events.LifecycleEvent;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes lifecycle events for orchestration: an idempotent producer ({@code acks=all}, {@code
 * enable.idempotence=true}), so a retried send never duplicates or reorders a network's events.
 * Keys follow {@link LifecycleEvent#partitionKey()}.
 *
 * <p>{@link #connect} checks that a broker answers first and fails with {@link
 * BrokerUnreachableException} instead of letting the producer block.
 */
public final class LifecyclePublisher implements AutoCloseable {

  /** How long a send may wait for metadata or buffer space before failing. */
  public static final Duration DEFAULT_MAX_BLOCK = Duration.ofSeconds(10);

  private final KafkaProducer<String, byte[]> producer;
  private final String topic;
  private boolean closed;

  private LifecyclePublisher(KafkaProducer<String, byte[]> producer, String topic) {
    this.producer = producer;
    this.topic = topic;
  }

  /**
   * Connects to the brokers, makes sure the topic exists with every partition answering, and
   * returns a ready publisher.
   *
   * @throws BrokerUnreachableException if no broker answers within {@code timeout}
   */
  public static LifecyclePublisher connect(
      String bootstrapServers, String topic, int partitions, Duration timeout)
      throws InterruptedException {
    return connect(bootstrapServers, Map.of(), topic, partitions, timeout);
  }

  /**
   * As {@link #connect(String, String, int, Duration)}, with Kafka client properties (security, …;
   * see {@link KafkaClientProperties}) over sixpn's defaults for the admin client and the producer.
   *
   * @throws BrokerAuthenticationException if a broker answers but TLS or SASL fails
   */
  public static LifecyclePublisher connect(
      String bootstrapServers,
      Map<String, ?> clientOverrides,
      String topic,
      int partitions,
      Duration timeout)
      throws InterruptedException {
    try (Admin admin = Admin.create(adminConfig(bootstrapServers, clientOverrides, timeout))) {
      BrokerCheck.requireReachable(admin, bootstrapServers, timeout);
      try {
        LifecycleTopic.ensure(admin, topic, partitions, timeout);
      } catch (TimeoutException e) {
        throw new BrokerUnreachableException(bootstrapServers, timeout, e);
      }
    }
    return new LifecyclePublisher(
        new KafkaProducer<>(producerConfig(bootstrapServers, clientOverrides)), topic);
  }

  static Map<String, Object> adminConfig(
      String bootstrapServers, Map<String, ?> clientOverrides, Duration timeout) {
    int ms = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    return KafkaClientProperties.merge(
        Map.of(
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ms,
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms),
        clientOverrides,
        bootstrapServers);
  }

  static Map<String, Object> producerConfig(
      String bootstrapServers, Map<String, ?> clientOverrides) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
    // Throughput: events are small JSON; batch them and compress the batch.
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) DEFAULT_MAX_BLOCK.toMillis());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return KafkaClientProperties.merge(p, clientOverrides, bootstrapServers);
  }

  /** Sends one event; the future completes when the broker has acknowledged it (all replicas). */
  public CompletableFuture<RecordMetadata> publish(LifecycleEvent event) {
    return publishRaw(event.partitionKey(), EventCodec.encode(event));
  }

  /**
   * Sends raw bytes under a key: for tools and tests that must put malformed records on the log.
   */
  public CompletableFuture<RecordMetadata> publishRaw(String key, byte[] value) {
    CompletableFuture<RecordMetadata> result = new CompletableFuture<>();
    producer.send(
        new ProducerRecord<>(topic, key, value),
        (metadata, error) -> {
          if (error != null) {
            result.completeExceptionally(error);
          } else {
            result.complete(metadata);
          }
        });
    return result;
  }

  public void flush() {
    producer.flush();
  }

  public String topic() {
    return topic;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    producer.close(Duration.ofSeconds(30));
  }
}
