package dev.sixpn.publish.progress;

import dev.sixpn.publish.LifecycleTopic;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The progress topic beside a lifecycle topic ({@code <lifecycle>.progress}, e.g. {@code
 * sixpn.lifecycle.progress}): one partition, compacted, one record per host keyed by its id ({@link
 * Progress}). Losing a record costs nothing lasting: every agent writes its record again after each
 * committed batch and at least every {@link ProgressWriter#HEARTBEAT}.
 */
public final class ProgressTopic {

  private ProgressTopic() {}

  /** The progress topic of {@code lifecycleTopic}. */
  public static String of(String lifecycleTopic) {
    if (lifecycleTopic == null || lifecycleTopic.isBlank()) {
      throw new IllegalArgumentException("lifecycle topic is required");
    }
    return lifecycleTopic + ".progress";
  }

  /** Creates the topic if absent: one partition, {@code cleanup.policy=compact}. */
  public static void ensure(Admin admin, String topic, Duration timeout)
      throws InterruptedException, TimeoutException {
    long ms = timeout.toMillis();
    try {
      int brokers =
          admin
              .describeCluster(new DescribeClusterOptions().includeFencedBrokers(true))
              .nodes()
              .get(ms, TimeUnit.MILLISECONDS)
              .size();
      admin
          .createTopics(
              List.of(
                  new NewTopic(topic, 1, (short) LifecycleTopic.replicationFactor(brokers))
                      .configs(
                          Map.of(
                              TopicConfig.CLEANUP_POLICY_CONFIG,
                              TopicConfig.CLEANUP_POLICY_COMPACT))))
          .all()
          .get(ms, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException(
            "cannot create topic " + topic + ": " + e.getCause().getMessage(), e.getCause());
      }
    }
  }
}
