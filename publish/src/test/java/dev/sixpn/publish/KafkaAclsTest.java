package dev.sixpn.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.junit.jupiter.api.Test;

class KafkaAclsTest {

  @Test
  void kafkaAclsCommands_forHosts_readLifecycle_writeOnlyProgress() {
    String add =
        "kafka-acls.sh --bootstrap-server b:9093 --command-config admin.properties --add"
            + " --allow-principal 'User:host-7' --operation ";
    assertEquals(
        List.of(
            add + "Read --topic 'sixpn.lifecycle'",
            add + "Describe --topic 'sixpn.lifecycle'",
            add + "Read --topic 'sixpn.lifecycle.snapshots'",
            add + "Describe --topic 'sixpn.lifecycle.snapshots'",
            add + "Write --topic 'sixpn.lifecycle.progress'",
            add + "Describe --topic 'sixpn.lifecycle.progress'",
            add + "Create --topic 'sixpn.lifecycle.progress'"),
        KafkaAcls.kafkaAclsCommands(
            KafkaAcls.forHosts("sixpn.lifecycle", List.of("User:host-7")),
            "b:9093",
            "admin.properties"));
  }

  @Test
  void kafkaAclsCommands_forOrchestrator_idempotentWriteOnCluster() {
    assertEquals(
        "kafka-acls.sh --bootstrap-server b:9093 --add --allow-principal 'User:orchestrator'"
            + " --operation IdempotentWrite --cluster",
        KafkaAcls.kafkaAclsCommands(
                KafkaAcls.forOrchestrator("sixpn.lifecycle", "User:orchestrator"), "b:9093", null)
            .getLast());
  }

  @Test
  void forSnapshotWriter_writesOnlyTheSnapshotTopic() {
    List<AclBinding> acls = KafkaAcls.forSnapshotWriter("sixpn.lifecycle", "User:snapshots");
    for (AclBinding b : acls) {
      if (b.pattern().name().equals("sixpn.lifecycle")) {
        assertTrue(
            Set.of(AclOperation.READ, AclOperation.DESCRIBE).contains(b.entry().operation()),
            "the lifecycle topic is only read: " + b);
      }
    }
    assertTrue(
        acls.stream()
            .anyMatch(
                b ->
                    b.pattern().name().equals("sixpn.lifecycle.snapshots")
                        && b.entry().operation() == AclOperation.WRITE));
  }

  @Test
  void forHosts_principalWithoutUserPrefix_rejected() {
    assertThrows(
        IllegalArgumentException.class,
        () -> KafkaAcls.forHosts("sixpn.lifecycle", List.of("host-7")));
    assertThrows(
        IllegalArgumentException.class,
        () -> KafkaAcls.forHosts("sixpn.lifecycle", List.of("User:*")));
  }
}
