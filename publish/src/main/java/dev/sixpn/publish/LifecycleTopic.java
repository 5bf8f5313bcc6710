package dev.sixpn.publish;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code sixpn.lifecycle} topic: created configured like the source of truth it is, checked
 * when it already exists, and waited for until every partition answers.
 *
 * <p>Durability: replication factor 3 and {@code min.insync.replicas=2} on a cluster of 3 or more
 * brokers, so an {@code acks=all} event survives the loss of any one disk and writes go on while a
 * broker is down; on fewer brokers, one replica per broker and {@code min.insync.replicas=1}
 * (logged once at WARN). History is kept forever ({@code retention.ms=-1}, {@code
 * retention.bytes=-1}): a host that joins later folds the whole log; with snapshots (in {@link
 * #snapshotTopic}) an operator may delete history behind the oldest one kept. {@code
 * cleanup.policy=delete}, never compact: events are keyed by network, not by entity, so compaction
 * would drop events the state depends on. {@code unclean.leader.election.enable=false}: an
 * out-of-sync replica never becomes leader and truncates acknowledged events away.
 *
 * <p>An existing topic that breaks any of these is refused with {@link UnsafeTopicException}, one
 * line per problem naming the command that fixes it; it is never altered silently.
 *
 * <p>Right after {@code createTopics} returns, partition leaders may not be ready; an idempotent
 * producer that sends then can loop on {@code OUT_OF_ORDER_SEQUENCE_NUMBER}. So creation waits
 * until {@code listOffsets} succeeds for every partition.
 */
public final class LifecycleTopic {

  private static final Logger LOG = LoggerFactory.getLogger(LifecycleTopic.class);

  public static final String NAME = "sixpn.lifecycle";

  /** Partitions of a new topic: enough for parallel networks, few enough for a small broker. */
  public static final int DEFAULT_PARTITIONS = 12;

  /** Replicas per partition on a real cluster. */
  public static final int REPLICATION_FACTOR = 3;

  /** Replicas that must have an event before it is acknowledged, on a real cluster. */
  public static final int MIN_INSYNC_REPLICAS = 2;

  /** The topic of snapshots of the state folded from {@code lifecycleTopic}. */
  public static String snapshotTopic(String lifecycleTopic) {
    if (lifecycleTopic == null || lifecycleTopic.isBlank()) {
      throw new IllegalArgumentException("lifecycleTopic is required");
    }
    return lifecycleTopic + ".snapshots";
  }

  /** The small-cluster warning is said once per process, not at every connect. */
  private static final AtomicBoolean WARNED_SMALL_CLUSTER = new AtomicBoolean();

  private LifecycleTopic() {}

  /**
   * Creates the topic if absent (configured as above), refuses it if it exists with a configuration
   * that loses events, and waits until every partition serves offsets.
   *
   * @return the number of partitions
   * @throws UnsafeTopicException if the existing topic can lose events
   */
  public static int ensure(Admin admin, String topic, int partitions, Duration timeout)
      throws InterruptedException, TimeoutException {
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be ≥ 1, got " + partitions);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    Collection<Node> brokers = brokers(admin, deadline);
    int brokerCount = brokers.size();
    if (brokerCount < REPLICATION_FACTOR && !WARNED_SMALL_CLUSTER.getAndSet(true)) {
      LOG.warn(
          "topic={} on {} broker(s): replication factor {} and min.insync.replicas 1, so losing"
              + " one broker's disk loses acknowledged events; run {} brokers for a log that"
              + " survives that (`sixpn kafka --nodes 3`)",
          topic,
          brokerCount,
          replicationFactor(brokerCount),
          REPLICATION_FACTOR);
    }
    try {
      admin
          .createTopics(
              List.of(
                  new NewTopic(topic, partitions, (short) replicationFactor(brokerCount))
                      .configs(topicConfigs(brokerCount))))
          .all()
          .get(remaining(deadline), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException(
            "cannot create topic " + topic + ": " + e.getCause().getMessage(), e.getCause());
      }
    }
    TopicDescription d = awaitPartitions(admin, topic, deadline, timeout);
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    Config config =
        get(admin.describeConfigs(List.of(resource)).all(), deadline, "describe topic " + topic)
            .get(resource);
    Map<String, String> values = new HashMap<>();
    for (ConfigEntry entry : config.entries()) {
      if (entry.value() != null) {
        values.put(entry.name(), entry.value());
      }
    }
    Map<Integer, List<Integer>> replicas = new TreeMap<>();
    d.partitions()
        .forEach(p -> replicas.put(p.partition(), p.replicas().stream().map(Node::id).toList()));
    List<String> problems =
        problems(
            topic,
            values,
            replicas,
            brokers.stream().map(Node::id).sorted().toList(),
            brokers.stream()
                .map(n -> n.host() + ":" + n.port())
                .sorted()
                .collect(Collectors.joining(",")));
    if (!problems.isEmpty()) {
      throw new UnsafeTopicException(topic, problems);
    }
    return d.partitions().size();
  }

  /**
   * A new topic as durable as the lifecycle topic (replicas, {@code min.insync.replicas}, no
   * unclean election) on the cluster {@code admin} talks to, with {@code configs} added: for the
   * topics beside it whose loss would cost as much, such as the snapshots.
   */
  public static NewTopic durableTopic(
      Admin admin, String topic, int partitions, Map<String, String> configs, Duration timeout)
      throws InterruptedException, TimeoutException {
    int brokers = brokers(admin, System.nanoTime() + timeout.toNanos()).size();
    Map<String, String> c = new LinkedHashMap<>();
    c.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(minInsyncReplicas(brokers)));
    c.put(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG, "false");
    c.putAll(configs);
    return new NewTopic(topic, partitions, (short) replicationFactor(brokers)).configs(c);
  }

  /**
   * Every broker of the cluster. Fenced brokers count: a broker that is down right now is still
   * part of the cluster, and a topic created while it is away must not get fewer replicas for ever.
   */
  private static Collection<Node> brokers(Admin admin, long deadline)
      throws InterruptedException, TimeoutException {
    return get(
        admin.describeCluster(new DescribeClusterOptions().includeFencedBrokers(true)).nodes(),
        deadline,
        "describe the cluster");
  }

  /** Replicas per partition on a cluster of {@code brokers}. */
  public static int replicationFactor(int brokers) {
    return Math.max(1, Math.min(REPLICATION_FACTOR, brokers));
  }

  /** {@code min.insync.replicas} on a cluster of {@code brokers}. */
  static int minInsyncReplicas(int brokers) {
    return brokers >= REPLICATION_FACTOR ? MIN_INSYNC_REPLICAS : 1;
  }

  /** The configuration a new topic is created with. */
  static Map<String, String> topicConfigs(int brokers) {
    Map<String, String> c = new LinkedHashMap<>();
    c.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(minInsyncReplicas(brokers)));
    c.put(TopicConfig.RETENTION_MS_CONFIG, "-1");
    c.put(TopicConfig.RETENTION_BYTES_CONFIG, "-1");
    c.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE);
    c.put(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG, "false");
    return c;
  }

  /**
   * What in an existing topic's configuration can lose events, one line per problem, each with the
   * command that fixes it; empty when the topic is safe.
   *
   * @param config the topic's effective configuration (broker defaults included)
   * @param replicas each partition's replica broker ids
   * @param brokerIds every broker of the cluster
   * @param bootstrap the {@code --bootstrap-server} value for the commands
   */
  static List<String> problems(
      String topic,
      Map<String, String> config,
      Map<Integer, List<Integer>> replicas,
      List<Integer> brokerIds,
      String bootstrap) {
    List<String> out = new ArrayList<>();
    String alter =
        "kafka-configs.sh --bootstrap-server "
            + bootstrap
            + " --alter --entity-type topics --entity-name "
            + topic
            + " --add-config ";
    long retentionMs = longValue(config, TopicConfig.RETENTION_MS_CONFIG);
    if (retentionMs >= 0) {
      out.add(
          "retention.ms="
              + retentionMs
              + " deletes events after "
              + describe(Duration.ofMillis(retentionMs))
              + ", and a host that starts later folds an incomplete history; keep history for"
              + " ever: "
              + alter
              + "retention.ms=-1");
    }
    long retentionBytes = longValue(config, TopicConfig.RETENTION_BYTES_CONFIG);
    if (retentionBytes >= 0) {
      out.add(
          "retention.bytes="
              + retentionBytes
              + " deletes the oldest events once a partition holds that many bytes; keep history"
              + " for ever: "
              + alter
              + "retention.bytes=-1");
    }
    String cleanup = config.getOrDefault(TopicConfig.CLEANUP_POLICY_CONFIG, "delete");
    if (cleanup.contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
      out.add(
          "cleanup.policy="
              + cleanup
              + " keeps only the last record per key, but events are keyed by network, not by"
              + " entity, so compaction drops events the state depends on: "
              + alter
              + "cleanup.policy=delete");
    }
    if (Boolean.parseBoolean(
        config.getOrDefault(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG, "false"))) {
      out.add(
          "unclean.leader.election.enable=true lets a replica that missed acknowledged events"
              + " become leader and truncate them away: "
              + alter
              + "unclean.leader.election.enable=false");
    }
    int wantReplicas = replicationFactor(brokerIds.size());
    Map<Integer, List<Integer>> underReplicated = new TreeMap<>();
    replicas.forEach(
        (p, r) -> {
          if (r.size() < wantReplicas) {
            underReplicated.put(p, r);
          }
        });
    if (!underReplicated.isEmpty()) {
      out.add(
          "partitions "
              + underReplicated.keySet()
              + " have fewer than "
              + wantReplicas
              + " replicas on a cluster of "
              + brokerIds.size()
              + " brokers, so one lost disk loses acknowledged events; add replicas: write "
              + reassignmentPlan(topic, underReplicated, brokerIds, wantReplicas)
              + " to plan.json and run kafka-reassign-partitions.sh --bootstrap-server "
              + bootstrap
              + " --reassignment-json-file plan.json --execute");
    }
    int minIsr = (int) longValue(config, TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
    if (brokerIds.size() >= REPLICATION_FACTOR && minIsr < MIN_INSYNC_REPLICAS) {
      out.add(
          "min.insync.replicas="
              + minIsr
              + " acknowledges an event held by one replica alone, so losing that broker's disk"
              + " loses it: "
              + alter
              + "min.insync.replicas="
              + MIN_INSYNC_REPLICAS);
    }
    // Above what the cluster can hold, no write is ever acknowledged (fewer replicas than the
    // cluster can hold are reported above; fixing those is the fix).
    if (minIsr > wantReplicas) {
      out.add(
          "min.insync.replicas="
              + minIsr
              + " is more than the "
              + wantReplicas
              + " replica(s) a cluster of "
              + brokerIds.size()
              + " broker(s) can hold, so every acks=all write fails: "
              + alter
              + "min.insync.replicas="
              + minInsyncReplicas(brokerIds.size()));
    }
    return out;
  }

  /** Each partition keeps its replicas and gains brokers it lacks, spread round-robin. */
  private static String reassignmentPlan(
      String topic, Map<Integer, List<Integer>> partitions, List<Integer> brokerIds, int want) {
    List<String> entries = new ArrayList<>();
    partitions.forEach(
        (p, current) -> {
          List<Integer> next = new ArrayList<>(current);
          for (int i = 0; next.size() < want && i < brokerIds.size(); i++) {
            int candidate = brokerIds.get((p + i) % brokerIds.size());
            if (!next.contains(candidate)) {
              next.add(candidate);
            }
          }
          entries.add(
              "{\"topic\":\""
                  + topic
                  + "\",\"partition\":"
                  + p
                  + ",\"replicas\":"
                  + next.toString().replace(" ", "")
                  + "}");
        });
    return "'{\"version\":1,\"partitions\":[" + String.join(",", entries) + "]}'";
  }

  private static long longValue(Map<String, String> config, String name) {
    String v = config.get(name);
    if (v == null) {
      throw new IllegalStateException("the broker did not report " + name);
    }
    return Long.parseLong(v.trim());
  }

  private static String describe(Duration d) {
    if (d.toDays() > 0 && d.toHoursPart() == 0 && d.toMinutesPart() == 0) {
      return d.toDays() + " days";
    }
    if (d.toHours() > 0 && d.toMinutesPart() == 0 && d.toSecondsPart() == 0) {
      return d.toHours() + " hours";
    }
    return d.toMillis() + " ms";
  }

  private static TopicDescription awaitPartitions(
      Admin admin, String topic, long deadline, Duration timeout)
      throws InterruptedException, TimeoutException {
    while (true) {
      try {
        TopicDescription d =
            admin
                .describeTopics(List.of(topic))
                .allTopicNames()
                .get(remaining(deadline), TimeUnit.NANOSECONDS)
                .get(topic);
        Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
        d.partitions()
            .forEach(p -> specs.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        admin.listOffsets(specs).all().get(remaining(deadline), TimeUnit.NANOSECONDS);
        return d;
      } catch (ExecutionException e) {
        if (System.nanoTime() > deadline) {
          throw new TimeoutException(
              "partitions of " + topic + " did not answer within " + timeout);
        }
        Thread.sleep(50);
      }
    }
  }

  private static <T> T get(KafkaFuture<T> future, long deadline, String what)
      throws InterruptedException, TimeoutException {
    try {
      return future.get(remaining(deadline), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "cannot " + what + ": " + e.getCause().getMessage(), e.getCause());
    }
  }

  private static long remaining(long deadline) throws TimeoutException {
    long r = deadline - System.nanoTime();
    if (r <= 0) {
      throw new TimeoutException("timed out");
    }
    return r;
  }
}
