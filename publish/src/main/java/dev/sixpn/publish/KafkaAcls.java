package dev.sixpn.publish;

import dev.sixpn.publish.progress.ProgressTopic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Who may do what to the lifecycle topic, on a broker with an authorizer and {@code
 * allow.everyone.if.no.acl.found=false}.
 *
 * <p>Hosts only read the lifecycle topic: a host's agent assigns every partition (no consumer
 * group, offsets in its RocksDB), so it needs Read (fetch) and Describe (metadata, list offsets) on
 * the topic. Without Write, a host cannot publish {@code host.joined} for another host's id with
 * its own key, nor {@code network.deleted} for anyone. The one topic a host writes is the progress
 * topic ({@code <topic>.progress}: Write, Describe, and Create for the agent that finds it
 * missing), with a producer that is not idempotent (nothing on the cluster). Kafka's ACLs stop at
 * the topic, not the key: a host could write another host's progress record, which can make a
 * {@code --wait} return early or late but changes no host's state.
 *
 * <p>Orchestration writes: Write, Describe and Create on the topic, IdempotentWrite on the cluster
 * for its idempotent producer (not needed when it is a super user); for {@code --wait} also Read on
 * the lifecycle topic (its host events) and Read, Describe and Create on the progress topic.
 *
 * <p>The snapshot topic ({@link LifecycleTopic#snapshotTopic}) is state that a new host loads as it
 * is, so writing it is as powerful as writing the lifecycle topic: hosts only read it too, and only
 * the snapshot writer (an agent trusted like orchestration) may write it.
 */
public final class KafkaAcls {

  private KafkaAcls() {}

  /**
   * Read and Describe on {@code topic} and on its snapshot topic for each host principal ({@code
   * User:host-7}, …); Write, Describe and Create on its progress topic.
   *
   * @throws IllegalArgumentException if a principal is not {@code User:<name>}
   */
  public static List<AclBinding> forHosts(String topic, Collection<String> principals) {
    String progress = ProgressTopic.of(topic);
    List<AclBinding> out = new ArrayList<>();
    for (String p : principals) {
      for (String t : List.of(topic, LifecycleTopic.snapshotTopic(topic))) {
        out.add(topicAcl(t, p, AclOperation.READ));
        out.add(topicAcl(t, p, AclOperation.DESCRIBE));
      }
      out.add(topicAcl(progress, p, AclOperation.WRITE));
      out.add(topicAcl(progress, p, AclOperation.DESCRIBE));
      out.add(topicAcl(progress, p, AclOperation.CREATE));
    }
    return out;
  }

  /**
   * What an agent that writes snapshots needs besides a host's Read and Describe: Write, Create and
   * DescribeConfigs on the snapshot topic of {@code topic} (it creates the topic and tombstones
   * older snapshots), IdempotentWrite on the cluster.
   */
  public static List<AclBinding> forSnapshotWriter(String topic, String principal) {
    String snapshots = LifecycleTopic.snapshotTopic(topic);
    List<AclBinding> out = new ArrayList<>(forHosts(topic, List.of(principal)));
    out.add(topicAcl(snapshots, principal, AclOperation.WRITE));
    out.add(topicAcl(snapshots, principal, AclOperation.CREATE));
    out.add(topicAcl(snapshots, principal, AclOperation.DESCRIBE_CONFIGS));
    out.add(idempotentWrite(principal));
    return out;
  }

  /**
   * Write, Describe, Create and DescribeConfigs on {@code topic} (the publisher creates the topic
   * and checks that its configuration cannot lose events), Read on it and Read, Describe and Create
   * on its progress topic ({@code publish --wait}), IdempotentWrite on the cluster.
   */
  public static List<AclBinding> forOrchestrator(String topic, String principal) {
    String progress = ProgressTopic.of(topic);
    return List.of(
        topicAcl(topic, principal, AclOperation.WRITE),
        topicAcl(topic, principal, AclOperation.DESCRIBE),
        topicAcl(topic, principal, AclOperation.CREATE),
        topicAcl(topic, principal, AclOperation.DESCRIBE_CONFIGS),
        topicAcl(topic, principal, AclOperation.READ),
        topicAcl(progress, principal, AclOperation.READ),
        topicAcl(progress, principal, AclOperation.DESCRIBE),
        topicAcl(progress, principal, AclOperation.CREATE),
        idempotentWrite(principal));
  }

  private static AclBinding idempotentWrite(String principal) {
    return new AclBinding(
        new ResourcePattern(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL),
        allow(principal, AclOperation.IDEMPOTENT_WRITE));
  }

  /**
   * Creates the bindings with an admin client of its own.
   *
   * @param clientOverrides Kafka client properties (an admin's credentials) over sixpn's defaults
   */
  public static void apply(
      String bootstrapServers,
      Map<String, ?> clientOverrides,
      Collection<AclBinding> acls,
      Duration timeout)
      throws InterruptedException, TimeoutException {
    try (Admin admin =
        Admin.create(LifecyclePublisher.adminConfig(bootstrapServers, clientOverrides, timeout))) {
      BrokerCheck.requireReachable(admin, bootstrapServers, timeout);
      apply(admin, acls, timeout);
    }
  }

  /** Creates the bindings (creating an existing one is a no-op). */
  public static void apply(Admin admin, Collection<AclBinding> acls, Duration timeout)
      throws InterruptedException, TimeoutException {
    try {
      admin.createAcls(acls).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "cannot create ACLs: " + e.getCause().getMessage(), e.getCause());
    }
  }

  /**
   * The same bindings as {@code kafka-acls.sh} commands, one per binding, for clusters where
   * operators apply ACLs with Kafka's own tools.
   */
  public static List<String> kafkaAclsCommands(
      Collection<AclBinding> acls, String bootstrapServers, String commandConfig) {
    List<String> out = new ArrayList<>();
    for (AclBinding b : acls) {
      String resource =
          b.pattern().resourceType() == ResourceType.CLUSTER
              ? "--cluster"
              : "--topic '" + b.pattern().name() + "'";
      out.add(
          "kafka-acls.sh --bootstrap-server "
              + bootstrapServers
              + (commandConfig == null ? "" : " --command-config " + commandConfig)
              + " --add --allow-principal '"
              + b.entry().principal()
              + "' --operation "
              + operationName(b.entry().operation())
              + " "
              + resource);
    }
    return out;
  }

  private static String operationName(AclOperation op) {
    // kafka-acls.sh spells them in CamelCase: Read, Describe, IdempotentWrite.
    StringBuilder s = new StringBuilder();
    for (String part : op.name().split("_")) {
      s.append(part.charAt(0)).append(part.substring(1).toLowerCase(Locale.ROOT));
    }
    return s.toString();
  }

  private static AclBinding topicAcl(String topic, String principal, AclOperation op) {
    if (topic == null || topic.isBlank()) {
      throw new IllegalArgumentException("topic is required");
    }
    return new AclBinding(
        new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL), allow(principal, op));
  }

  private static AccessControlEntry allow(String principal, AclOperation op) {
    if (principal == null || !principal.matches("User:[^\\s*]+")) {
      throw new IllegalArgumentException("principal must be User:<name>, got '" + principal + "'");
    }
    return new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW);
  }
}
