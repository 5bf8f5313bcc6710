package dev.sixpn.publish.progress;

import dev.sixpn.publish.KafkaClientProperties;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An agent's reporter: writes this host's {@link Progress} to the progress topic whenever its
 * committed offsets moved, at most once per {@code interval}, and at least every {@link #HEARTBEAT}
 * (a compacted topic may have lost nothing, but a reader should see the host is alive).
 *
 * <p>The producer is not idempotent: a host's credentials need Write on the progress topic and
 * nothing on the cluster ({@code KafkaAcls.forHosts}). A duplicate or reordered record is harmless
 * here: offsets only grow, and the next write supersedes. Failures are logged once until the next
 * success; the agent goes on folding either way.
 */
public final class ProgressWriter implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ProgressWriter.class);

  /** The longest a live host goes without writing its record. */
  public static final Duration HEARTBEAT = Duration.ofSeconds(30);

  /** The default bound on how often a host writes (the fence's extra latency at most). */
  public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(100);

  private final String bootstrapServers;
  private final Map<String, ?> clientOverrides;
  private final String topic;
  private final long host;
  private final Supplier<Map<Integer, Long>> applied;
  private final Duration interval;
  private final Thread thread;
  private volatile boolean stopping;
  private KafkaProducer<String, byte[]> producer;

  /** The offsets of the last record the broker acknowledged; writer thread and callbacks. */
  private volatile Map<Integer, Long> acknowledged = Map.of();

  private volatile long acknowledgedAtNanos;
  private volatile boolean failing;

  /**
   * Starts the reporter's thread.
   *
   * @param applied the host's committed offsets (next offset to fold per partition)
   */
  public ProgressWriter(
      String bootstrapServers,
      Map<String, ?> clientOverrides,
      String topic,
      long host,
      Supplier<Map<Integer, Long>> applied,
      Duration interval) {
    this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    this.clientOverrides = Map.copyOf(clientOverrides);
    this.topic = Objects.requireNonNull(topic, "topic");
    this.host = host;
    this.applied = Objects.requireNonNull(applied, "applied");
    this.interval = Objects.requireNonNull(interval, "interval");
    this.thread = Thread.ofPlatform().name("sixpn-progress-" + host).daemon().start(this::run);
  }

  private void run() {
    ensureTopic();
    if (stopping) {
      return;
    }
    producer = new KafkaProducer<>(producerConfig());
    while (!stopping) {
      try {
        Thread.sleep(interval);
      } catch (InterruptedException e) {
        break;
      }
      Map<Integer, Long> now;
      try {
        now = applied.get();
      } catch (RuntimeException e) {
        continue; // the store is closing
      }
      boolean stale = System.nanoTime() - acknowledgedAtNanos > HEARTBEAT.toNanos();
      if (now.isEmpty() || (now.equals(acknowledged) && !stale)) {
        continue;
      }
      send(new Progress(host, now, Instant.now()));
    }
  }

  private void send(Progress p) {
    try {
      producer.send(
          new ProducerRecord<>(topic, Progress.key(host), p.encode()),
          (metadata, error) -> {
            if (error == null) {
              acknowledged = p.next();
              acknowledgedAtNanos = System.nanoTime();
              if (failing) {
                failing = false;
                LOG.info("progress writes to {} succeed again host={}", topic, host);
              }
            } else if (!failing) {
              failing = true;
              LOG.warn(
                  "cannot write progress to {} host={} ({}); publish --wait will count this host"
                      + " as a straggler until a write succeeds",
                  topic,
                  host,
                  error.toString());
            }
          });
    } catch (RuntimeException e) {
      if (!failing) {
        failing = true;
        LOG.warn("cannot write progress to {} host={} ({})", topic, host, e.toString());
      }
    }
  }

  /** Creates the topic if it is missing; a host without Create leaves that to orchestration. */
  private void ensureTopic() {
    Duration timeout = Duration.ofSeconds(10);
    Map<String, Object> admin =
        KafkaClientProperties.merge(
            Map.of(
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis()),
            clientOverrides,
            bootstrapServers);
    while (!stopping) {
      try (Admin a = Admin.create(admin)) {
        ProgressTopic.ensure(a, topic, timeout);
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (TimeoutException | RuntimeException e) {
        LOG.warn(
            "cannot create progress topic {} host={} ({}); retrying", topic, host, e.toString());
        if (e instanceof IllegalStateException) {
          return; // refused (no Create): the topic may exist, or orchestration creates it
        }
        try {
          Thread.sleep(1_000);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  private Map<String, Object> producerConfig() {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return KafkaClientProperties.merge(p, clientOverrides, bootstrapServers);
  }

  @Override
  public void close() {
    stopping = true;
    thread.interrupt();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (producer != null) {
      producer.close(Duration.ofSeconds(2));
    }
  }
}
