package dev.sixpn.publish;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The {@code sixpn.lifecycle} topic: creation, and the wait until every partition answers.
 *
 * <p>Right after {@code createTopics} returns, partition leaders may not be ready; an idempotent
 * producer that sends then can loop on {@code OUT_OF_ORDER_SEQUENCE_NUMBER} (measured here, see
 * DESIGN.md). So creation waits until {@code listOffsets} succeeds for every partition.
 */
public final class LifecycleTopic {

  public static final String NAME = "sixpn.lifecycle";

  /** Partitions of a new topic: enough for parallel networks, few enough for a small broker. */
  public static final int DEFAULT_PARTITIONS = 12;

  private LifecycleTopic() {}

  /**
   * Creates the topic if absent and waits until every partition serves offsets.
   *
   * @return the number of partitions
   */
  public static int ensure(Admin admin, String topic, int partitions, Duration timeout)
      throws InterruptedException, TimeoutException {
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be ≥ 1, got " + partitions);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      admin
          .createTopics(List.of(new NewTopic(topic, partitions, (short) 1)))
          .all()
          .get(remaining(deadline), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException(
            "cannot create topic " + topic + ": " + e.getCause().getMessage(), e.getCause());
      }
    }
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
        return d.partitions().size();
      } catch (ExecutionException e) {
        if (System.nanoTime() > deadline) {
          throw new TimeoutException(
              "partitions of " + topic + " did not answer within " + timeout);
        }
        Thread.sleep(50);
      }
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
