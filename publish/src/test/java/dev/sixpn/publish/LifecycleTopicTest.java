package dev.sixpn.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LifecycleTopicTest {

  private static final List<Integer> THREE = List.of(1, 2, 3);
  private static final String BOOTSTRAP = "localhost:9092,localhost:9093,localhost:9094";

  private static Map<String, String> safe(int brokers) {
    return new HashMap<>(LifecycleTopic.topicConfigs(brokers));
  }

  private static Map<Integer, List<Integer>> replicas(int partitions, List<Integer> each) {
    Map<Integer, List<Integer>> out = new HashMap<>();
    for (int p = 0; p < partitions; p++) {
      out.put(p, each);
    }
    return out;
  }

  @Test
  void topicConfigs_threeBrokers_rf3MinIsr2KeepsHistoryForEver() {
    assertEquals(3, LifecycleTopic.replicationFactor(3));
    assertEquals(3, LifecycleTopic.replicationFactor(5));
    assertEquals(
        Map.of(
            "min.insync.replicas", "2",
            "retention.ms", "-1",
            "retention.bytes", "-1",
            "cleanup.policy", "delete",
            "unclean.leader.election.enable", "false"),
        LifecycleTopic.topicConfigs(3));
  }

  @Test
  void topicConfigs_oneBroker_rf1MinIsr1() {
    assertEquals(1, LifecycleTopic.replicationFactor(1));
    assertEquals("1", LifecycleTopic.topicConfigs(1).get("min.insync.replicas"));
    assertEquals(2, LifecycleTopic.replicationFactor(2));
    assertEquals("1", LifecycleTopic.topicConfigs(2).get("min.insync.replicas"));
  }

  @Test
  void problems_safeTopic_none() {
    assertEquals(
        List.of(), LifecycleTopic.problems("t", safe(3), replicas(12, THREE), THREE, BOOTSTRAP));
    assertEquals(
        List.of(),
        LifecycleTopic.problems("t", safe(1), replicas(12, List.of(1)), List.of(1), "b:1"));
  }

  @Test
  void problems_everyUnsafeSetting_oneMessagePerProblemWithItsFix() {
    Map<String, String> c = safe(3);
    c.put("retention.ms", "604800000");
    c.put("retention.bytes", "1073741824");
    c.put("cleanup.policy", "compact,delete");
    c.put("unclean.leader.election.enable", "true");
    c.put("min.insync.replicas", "1");
    List<String> problems =
        LifecycleTopic.problems("sixpn.lifecycle", c, replicas(2, THREE), THREE, BOOTSTRAP);
    String alter =
        "kafka-configs.sh --bootstrap-server "
            + BOOTSTRAP
            + " --alter --entity-type topics --entity-name sixpn.lifecycle --add-config ";
    assertEquals(5, problems.size(), problems.toString());
    assertTrue(problems.get(0).startsWith("retention.ms=604800000 deletes events after 7 days"));
    assertTrue(problems.get(0).endsWith(alter + "retention.ms=-1"), problems.get(0));
    assertTrue(problems.get(1).endsWith(alter + "retention.bytes=-1"), problems.get(1));
    assertTrue(problems.get(2).endsWith(alter + "cleanup.policy=delete"), problems.get(2));
    assertTrue(
        problems.get(3).endsWith(alter + "unclean.leader.election.enable=false"), problems.get(3));
    assertTrue(problems.get(4).endsWith(alter + "min.insync.replicas=2"), problems.get(4));
  }

  @Test
  void problems_replicationFactor1OnThreeBrokers_namesAReassignmentPlan() {
    Map<Integer, List<Integer>> r = replicas(2, List.of(1));
    r.put(2, THREE);
    List<String> problems = LifecycleTopic.problems("t", safe(3), r, THREE, BOOTSTRAP);
    assertEquals(1, problems.size(), problems.toString());
    String p = problems.get(0);
    assertTrue(p.startsWith("partitions [0, 1] have fewer than 3 replicas"), p);
    assertTrue(
        p.contains(
            "'{\"version\":1,\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[1,2,3]},"
                + "{\"topic\":\"t\",\"partition\":1,\"replicas\":[1,2,3]}]}'"),
        p);
    assertTrue(
        p.endsWith(
            "kafka-reassign-partitions.sh --bootstrap-server "
                + BOOTSTRAP
                + " --reassignment-json-file plan.json --execute"),
        p);
  }

  @Test
  void problems_minIsrAboveReplicas_everyWriteWouldFail() {
    Map<String, String> c = safe(1);
    c.put("min.insync.replicas", "2");
    List<String> problems =
        LifecycleTopic.problems("t", c, replicas(1, List.of(1)), List.of(1), "b:1");
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(problems.get(0).contains("every acks=all write fails"), problems.get(0));
    assertTrue(problems.get(0).endsWith("--add-config min.insync.replicas=1"), problems.get(0));
  }
}
