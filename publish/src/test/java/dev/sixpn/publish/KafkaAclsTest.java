package dev.sixpn.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
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
  void forHosts_principalWithoutUserPrefix_rejected() {
    assertThrows(
        IllegalArgumentException.class,
        () -> KafkaAcls.forHosts("sixpn.lifecycle", List.of("host-7")));
    assertThrows(
        IllegalArgumentException.class,
        () -> KafkaAcls.forHosts("sixpn.lifecycle", List.of("User:*")));
  }
}
