package dev.sixpn.projector.consume;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sixpn.projector.store.Family;
import dev.sixpn.projector.store.SnapshotRow;
import dev.sixpn.projector.store.StateStore;
import dev.sixpn.projector.store.TopicIdentity;
import dev.sixpn.publish.LifecycleTopic;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots of the state in a compacted topic of one partition, so a new or wiped host loads the
 * live state and replays only the tail of the lifecycle log instead of all of its history.
 *
 * <p>A snapshot {@code <id>} is chunk records keyed {@code <id>/<n>} (each at most {@link
 * #CHUNK_BYTES} of rows), then a manifest keyed {@code <id>/manifest}, written last: the offsets
 * the rows were folded to (per partition), the lifecycle topic's id and partition count, the chunk
 * count and a SHA-256 over the chunks. A snapshot is complete only when its manifest exists and
 * every chunk is there and matches the digest; a writer that died half-way leaves chunks without a
 * manifest, which readers ignore. Ids are the writing time in milliseconds, zero-padded, so the
 * newest sorts last. Once a snapshot is complete, every older key the writer knows of is tombstoned
 * (see {@link #write}): compaction then leaves one snapshot (and whatever the next writer is
 * adding).
 */
public final class SnapshotTopic {

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotTopic.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Rows per chunk stay under this: below the broker's default 1 MiB record limit. */
  public static final int CHUNK_BYTES = 900 << 10;

  /** Segment size of the topic: a few snapshots of a million instances (~90 MiB each). */
  static final int SEGMENT_BYTES = 256 << 20;

  static final String MANIFEST = "manifest";

  private final String bootstrapServers;
  private final String topic;
  private final Map<String, Object> kafkaOverrides;

  /** How long creating the topic before the first write may wait for the broker. */
  private static final Duration ENSURE_TIMEOUT = Duration.ofSeconds(30);

  /**
   * Keys this writer knows to be live: what the topic held at its first write, and what it wrote
   * since. After each write the older ones are tombstoned without reading the topic back, which
   * would cost a read of every snapshot compaction has not removed yet. Another writer's newer keys
   * are its own to tombstone, at its next write. Null before the first write.
   */
  private Set<String> knownKeys;

  /**
   * @param kafkaOverrides client properties (security, …) applied to its producer and consumers
   */
  public SnapshotTopic(String bootstrapServers, String topic, Map<String, ?> kafkaOverrides) {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("bootstrapServers is required");
    }
    if (topic == null || topic.isBlank()) {
      throw new IllegalArgumentException("topic is required");
    }
    this.bootstrapServers = bootstrapServers;
    this.topic = topic;
    this.kafkaOverrides = Map.copyOf(kafkaOverrides);
  }

  public String topic() {
    return topic;
  }

  /** What a manifest says. */
  public record Manifest(
      String id, TopicIdentity lifecycle, Map<Integer, Long> offsets, int chunks, String digest) {
    public Manifest {
      offsets = Map.copyOf(offsets);
    }

    /** When the snapshot was written: its id is the writing time in milliseconds. */
    public Instant takenAt() {
      return Instant.ofEpochMilli(Long.parseLong(id));
    }
  }

  /** A complete snapshot: its manifest and its rows, in the order written. */
  public record Snapshot(Manifest manifest, List<SnapshotRow> rows) {}

  /**
   * Creates the topic if missing: one partition, compacted, as durable as the lifecycle topic
   * (three replicas and {@code min.insync.replicas=2} on three brokers or more), since a snapshot
   * whose log was deleted behind it is the only copy of that history. Segments roll at {@link
   * #SEGMENT_BYTES} so compaction soon drops superseded snapshots a reader would otherwise read. An
   * existing topic that is not compacted is logged, not altered: with time retention it may delete
   * the only snapshot.
   */
  public void ensureTopic(Duration timeout) {
    try (Admin admin = Admin.create(clientConfig())) {
      NewTopic t =
          LifecycleTopic.durableTopic(
              admin,
              topic,
              1,
              Map.of(
                  TopicConfig.CLEANUP_POLICY_CONFIG,
                  TopicConfig.CLEANUP_POLICY_COMPACT,
                  TopicConfig.SEGMENT_BYTES_CONFIG,
                  Integer.toString(SEGMENT_BYTES)),
              timeout);
      try {
        admin.createTopics(List.of(t)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        LOG.info(
            "created snapshot topic={} replicas={} configs={}",
            topic,
            t.replicationFactor(),
            t.configs());
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw new IllegalStateException(
              "cannot create snapshot topic " + topic + ": " + e.getCause().getMessage(),
              e.getCause());
        }
        warnIfNotCompacted(admin, timeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted creating snapshot topic " + topic, e);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException(
          "snapshot topic " + topic + ": the broker did not answer within " + timeout, e);
    }
  }

  private void warnIfNotCompacted(Admin admin, Duration timeout)
      throws InterruptedException, java.util.concurrent.TimeoutException {
    ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    try {
      var entry =
          admin
              .describeConfigs(List.of(r))
              .all()
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
              .get(r)
              .get(TopicConfig.CLEANUP_POLICY_CONFIG);
      if (entry != null && !TopicConfig.CLEANUP_POLICY_COMPACT.equals(entry.value())) {
        LOG.warn(
            "snapshot topic={} has cleanup.policy={}: retention may delete the only snapshot; run"
                + " kafka-configs.sh --alter --entity-type topics --entity-name {} --add-config"
                + " cleanup.policy=compact",
            topic,
            entry.value(),
            topic);
      }
    } catch (ExecutionException e) {
      LOG.warn("cannot check snapshot topic={} ({})", topic, e.getCause().toString());
    }
  }

  private Properties clientConfig() {
    Properties p = new Properties();
    p.putAll(kafkaOverrides);
    p.put("bootstrap.servers", bootstrapServers);
    return p;
  }

  /**
   * Writes a snapshot of the store (rows and offsets from one RocksDB snapshot, so it can run
   * beside the fold), then tombstones every older snapshot.
   */
  public synchronized Manifest write(StateStore store, TopicIdentity lifecycle) {
    if (knownKeys == null) {
      ensureTopic(ENSURE_TIMEOUT);
      knownKeys = new HashSet<>(readAll().keySet());
    }
    String id = String.format("%016d", System.currentTimeMillis());
    MessageDigest md = sha256();
    List<byte[]> chunks = new ArrayList<>();
    ChunkWriter out = new ChunkWriter(chunks);
    Map<Integer, Long> offsets = store.exportRows(out::add);
    out.finish();
    try (KafkaProducer<String, byte[]> producer = producer()) {
      for (int n = 0; n < chunks.size(); n++) {
        md.update(chunks.get(n));
        producer.send(new ProducerRecord<>(topic, 0, id + "/" + n, chunks.get(n)));
        knownKeys.add(id + "/" + n);
      }
      Manifest m =
          new Manifest(
              id, lifecycle, offsets, chunks.size(), HexFormat.of().formatHex(md.digest()));
      producer.send(new ProducerRecord<>(topic, 0, id + "/" + MANIFEST, encode(m)));
      knownKeys.add(id + "/" + MANIFEST);
      producer.flush();
      int deleted = 0;
      for (Iterator<String> it = knownKeys.iterator(); it.hasNext(); ) {
        String key = it.next();
        if (snapshotId(key).compareTo(id) < 0) {
          producer.send(new ProducerRecord<>(topic, 0, key, null));
          it.remove();
          deleted++;
        }
      }
      producer.flush();
      LOG.info(
          "snapshot written topic={} id={} chunks={} offsets={} older keys tombstoned={}",
          topic,
          id,
          chunks.size(),
          offsets,
          deleted);
      return m;
    }
  }

  /**
   * The newest complete snapshot, if any; incomplete or corrupt ones are logged and passed over.
   */
  public Optional<Snapshot> newestComplete() {
    Map<String, byte[]> all;
    try {
      all = readAll();
    } catch (AuthorizationException e) {
      // A host without Read on the snapshots rebuilds from the log, if the log still has it all.
      LOG.warn("snapshot topic={} cannot be read: {}", topic, e.getMessage());
      return Optional.empty();
    }
    TreeMap<String, Manifest> manifests = new TreeMap<>();
    for (Map.Entry<String, byte[]> e : all.entrySet()) {
      if (e.getKey().endsWith("/" + MANIFEST)) {
        manifests.put(snapshotId(e.getKey()), decode(e.getValue()));
      }
    }
    for (Manifest m : manifests.descendingMap().values()) {
      MessageDigest md = sha256();
      List<SnapshotRow> rows = new ArrayList<>();
      boolean complete = true;
      for (int n = 0; n < m.chunks() && complete; n++) {
        byte[] chunk = all.get(m.id() + "/" + n);
        if (chunk == null) {
          complete = false;
        } else {
          md.update(chunk);
          readChunk(chunk, rows);
        }
      }
      if (complete && HexFormat.of().formatHex(md.digest()).equals(m.digest())) {
        return Optional.of(new Snapshot(m, rows));
      }
      LOG.warn("snapshot {} in {} is incomplete or corrupt; trying an older one", m.id(), topic);
    }
    return Optional.empty();
  }

  /** Every live key of the topic with its latest value (tombstones remove the key). */
  private Map<String, byte[]> readAll() {
    Properties p = clientConfig();
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 << 20);
    p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    Map<String, byte[]> out = new HashMap<>();
    try (KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      if (c.partitionsFor(topic, Duration.ofSeconds(30)).isEmpty()) {
        return out; // no snapshot was ever written
      }
      TopicPartition tp = new TopicPartition(topic, 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long end = c.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
      while (c.position(tp, Duration.ofSeconds(30)) < end) {
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
          if (r.value() == null) {
            out.remove(r.key());
          } else {
            out.put(r.key(), r.value());
          }
        }
      }
    }
    return out;
  }

  private KafkaProducer<String, byte[]> producer() {
    Properties p = clientConfig();
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  private static String snapshotId(String key) {
    int slash = key.indexOf('/');
    return slash < 0 ? key : key.substring(0, slash);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** Rows as {family ordinal(1), key length(4), key, value length(4), value}, chunk after chunk. */
  private static final class ChunkWriter {
    private final List<byte[]> chunks;
    private ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private DataOutputStream out = new DataOutputStream(bytes);

    ChunkWriter(List<byte[]> chunks) {
      this.chunks = chunks;
    }

    void add(SnapshotRow r) {
      if (bytes.size() + 9 + r.key().length + r.value().length > CHUNK_BYTES && bytes.size() > 0) {
        finish();
      }
      try {
        out.writeByte(r.family().ordinal());
        out.writeInt(r.key().length);
        out.write(r.key());
        out.writeInt(r.value().length);
        out.write(r.value());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    void finish() {
      if (bytes.size() > 0) {
        chunks.add(bytes.toByteArray());
        bytes = new ByteArrayOutputStream();
        out = new DataOutputStream(bytes);
      }
    }
  }

  private static void readChunk(byte[] chunk, List<SnapshotRow> rows) {
    try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(chunk))) {
      while (in.available() > 0) {
        Family f = Family.values()[in.readUnsignedByte()];
        byte[] key = in.readNBytes(in.readInt());
        byte[] value = in.readNBytes(in.readInt());
        rows.add(new SnapshotRow(f, key, value));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] encode(Manifest m) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", m.id());
    n.put("topicId", m.lifecycle().topicId());
    n.put("partitions", m.lifecycle().partitions());
    n.put("chunks", m.chunks());
    n.put("digest", m.digest());
    ObjectNode offsets = n.putObject("offsets");
    new TreeMap<>(m.offsets()).forEach((p, o) -> offsets.put(Integer.toString(p), o));
    try {
      return JSON.writeValueAsBytes(n);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Manifest decode(byte[] v) {
    try {
      JsonNode n = JSON.readTree(v);
      Map<Integer, Long> offsets = new HashMap<>();
      n.get("offsets")
          .properties()
          .forEach(e -> offsets.put(Integer.parseInt(e.getKey()), e.getValue().asLong()));
      return new Manifest(
          n.get("id").asText(),
          new TopicIdentity(n.get("topicId").asText(), n.get("partitions").asInt()),
          offsets,
          n.get("chunks").asInt(),
          n.get("digest").asText());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
