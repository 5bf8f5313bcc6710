package dev.sixpn.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.kafka.KafkaBroker;
import dev.sixpn.kafka.KafkaBrokers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The topic check against a real single broker. */
class LifecycleTopicIT {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private static KafkaBroker broker;
  private static Admin admin;

  @BeforeAll
  static void start() {
    broker = KafkaBrokers.start();
    admin =
        Admin.create(
            LifecyclePublisher.adminConfig(broker.bootstrapServers(), java.util.Map.of(), TIMEOUT));
  }

  @AfterAll
  static void stop() {
    admin.close();
    broker.close();
  }

  @Test
  void ensure_newTopicOnOneBroker_createdKeepingHistoryForEver() throws Exception {
    assertEquals(3, LifecycleTopic.ensure(admin, "fresh", 3, TIMEOUT));
    ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, "fresh");
    Config c = admin.describeConfigs(List.of(r)).all().get().get(r);
    assertEquals("-1", c.get("retention.ms").value());
    assertEquals("-1", c.get("retention.bytes").value());
    assertEquals("delete", c.get("cleanup.policy").value());
    assertEquals("false", c.get("unclean.leader.election.enable").value());
    assertEquals("1", c.get("min.insync.replicas").value());
    // Checked again on the next start: still fine.
    assertEquals(3, LifecycleTopic.ensure(admin, "fresh", 3, TIMEOUT));
  }

  @Test
  void ensure_existingTopicWithSevenDayRetention_refusedNamingTheFix() throws Exception {
    admin
        .createTopics(
            List.of(
                new NewTopic("week", 2, (short) 1)
                    .configs(Map.of("retention.ms", "604800000", "cleanup.policy", "compact"))))
        .all()
        .get();
    UnsafeTopicException e =
        assertThrows(
            UnsafeTopicException.class, () -> LifecycleTopic.ensure(admin, "week", 2, TIMEOUT));
    assertEquals(2, e.problems().size(), e.getMessage());
    String alter =
        "kafka-configs.sh --bootstrap-server "
            + broker.bootstrapServers()
            + " --alter --entity-type topics --entity-name week --add-config ";
    assertTrue(e.problems().get(0).endsWith(alter + "retention.ms=-1"), e.getMessage());
    assertTrue(e.problems().get(1).endsWith(alter + "cleanup.policy=delete"), e.getMessage());
    assertTrue(e.getMessage().startsWith("topic week is configured to lose events"));
    ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, "week");
    assertEquals(
        "604800000",
        admin.describeConfigs(List.of(r)).all().get().get(r).get("retention.ms").value(),
        "refused, not altered");
    // The publisher refuses it the same way.
    assertThrows(
        UnsafeTopicException.class,
        () -> LifecyclePublisher.connect(broker.bootstrapServers(), "week", 2, TIMEOUT));
  }
}
