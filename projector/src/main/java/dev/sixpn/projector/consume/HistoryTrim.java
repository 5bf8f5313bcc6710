package dev.sixpn.projector.consume;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DeletedRecords;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;

/**
 * Lets the lifecycle log age out behind the newest complete snapshot: {@code Admin.deleteRecords}
 * up to the offsets its manifest reflects, partition by partition, and nothing else. The history
 * deleted is in the snapshot, so a new host loads it and replays the rest, and a host whose offsets
 * fall below the new start rebuilds from it (offset out of range) instead of skipping.
 *
 * <p>Refused, deleting nothing: no complete snapshot, or one of another incarnation of the topic
 * (its id differs: deleting by its offsets would cut a history no snapshot holds). Partitions added
 * after the snapshot are left whole (the snapshot holds none of them), and so is a partition
 * already trimmed as far. Time or size retention is not the way: it deletes by age whether a
 * snapshot covers the part or not (see {@code LifecycleTopic}).
 */
public final class HistoryTrim {

  /** What a trim deletes: per partition, the records before {@code offset}. */
  public record Plan(
      String topic, String snapshotId, Instant snapshotTakenAt, Map<Integer, Long> beforeOffsets) {
    public Plan {
      beforeOffsets = Map.copyOf(beforeOffsets);
    }

    /**
     * The same deletion as {@code kafka-delete-records.sh --offset-json-file}'s JSON, for operators
     * who run Kafka's own tool.
     */
    public String deleteRecordsJson() {
      List<String> parts = new ArrayList<>();
      new TreeMap<>(beforeOffsets)
          .forEach(
              (p, o) ->
                  parts.add(
                      "{\"topic\":\""
                          + topic
                          + "\",\"partition\":"
                          + p
                          + ",\"offset\":"
                          + o
                          + "}"));
      return "{\"partitions\":[" + String.join(",", parts) + "],\"version\":1}";
    }
  }

  /** Nothing can be trimmed safely; the message says why. */
  public static final class RefusedException extends Exception {
    RefusedException(String message) {
      super(message);
    }
  }

  private HistoryTrim() {}

  /**
   * What deleting the history behind {@code snapshots}' newest complete snapshot would delete, read
   * from the cluster now; deletes nothing.
   */
  public static Plan plan(Admin admin, SnapshotTopic snapshots, String topic, Duration timeout)
      throws RefusedException, InterruptedException, TimeoutException, ExecutionException {
    SnapshotTopic.Manifest m =
        snapshots
            .newestComplete()
            .orElseThrow(
                () ->
                    new RefusedException(
                        "no complete snapshot in "
                            + snapshots.topic()
                            + ": nothing deleted (run an agent with --snapshot-writer first)"))
            .manifest();
    TopicDescription d =
        admin
            .describeTopics(List.of(topic))
            .allTopicNames()
            .get(millis(timeout), TimeUnit.MILLISECONDS)
            .get(topic);
    String id = d.topicId().toString();
    if (!id.equals(m.lifecycle().topicId())) {
      throw new RefusedException(
          "snapshot "
              + m.id()
              + " is of another topic named "
              + topic
              + " (id "
              + m.lifecycle().topicId()
              + ", now "
              + id
              + "): nothing deleted");
    }
    Map<TopicPartition, OffsetSpec> earliest = new TreeMap<>(HistoryTrim::compare);
    m.offsets()
        .keySet()
        .forEach(p -> earliest.put(new TopicPartition(topic, p), OffsetSpec.earliest()));
    var starts = admin.listOffsets(earliest).all().get(millis(timeout), TimeUnit.MILLISECONDS);
    Map<Integer, Long> before = new TreeMap<>();
    m.offsets()
        .forEach(
            (p, offset) -> {
              var start = starts.get(new TopicPartition(topic, p));
              if (start != null && start.offset() < offset) {
                before.put(p, offset);
              }
            });
    return new Plan(topic, m.id(), m.takenAt(), before);
  }

  /** Deletes what {@code plan} says; returns each partition's new start offset. */
  public static Map<Integer, Long> execute(Admin admin, Plan plan, Duration timeout)
      throws InterruptedException, TimeoutException, ExecutionException {
    Map<TopicPartition, RecordsToDelete> delete = new TreeMap<>(HistoryTrim::compare);
    plan.beforeOffsets()
        .forEach(
            (p, o) ->
                delete.put(new TopicPartition(plan.topic(), p), RecordsToDelete.beforeOffset(o)));
    Map<TopicPartition, KafkaFuture<DeletedRecords>> result =
        admin.deleteRecords(delete).lowWatermarks();
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<Integer, Long> starts = new TreeMap<>();
    for (var e : result.entrySet()) {
      long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
      starts.put(
          e.getKey().partition(), e.getValue().get(left, TimeUnit.MILLISECONDS).lowWatermark());
    }
    return starts;
  }

  private static long millis(Duration d) {
    return Math.max(1, d.toMillis());
  }

  private static int compare(TopicPartition a, TopicPartition b) {
    return Integer.compare(a.partition(), b.partition());
  }
}
