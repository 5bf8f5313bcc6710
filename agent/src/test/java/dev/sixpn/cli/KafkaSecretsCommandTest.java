package dev.sixpn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.publish.KafkaClientProperties;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sixpn kafka secrets}: what docker compose's secrets service writes. */
class KafkaSecretsCommandTest {

  @TempDir Path dir;

  private SixpnCommandTest.Run secrets(String... extra) {
    String[] base = {
      "kafka",
      "secrets",
      "--out",
      dir.toString(),
      "--broker-host",
      "kafka1",
      "--broker-host",
      "kafka2",
      "--listener",
      "SASL_SSL",
      "--listener",
      "EXTERNAL",
      "--hosts",
      "2"
    };
    String[] args = new String[base.length + extra.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    return SixpnCommandTest.run(args);
  }

  @Test
  void secrets_newDirectory_onePartyPerDirectoryOwnerOnly() throws Exception {
    SixpnCommandTest.Run r = secrets();
    assertEquals(0, r.code(), r.err());

    for (String f :
        List.of(
            "broker/broker.p12",
            "broker/broker.properties",
            "broker/scram.args",
            "orchestrator/orchestrator.properties",
            "host-1/agent.properties",
            "host-1/runtime.properties",
            "host-2/agent.properties",
            "host-2/runtime.properties")) {
      Path p = dir.resolve(f);
      assertTrue(Files.isRegularFile(p), f);
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)), f);
    }
    assertFalse(Files.exists(dir.resolve("host-3")), "only --hosts 2");
    assertFalse(Files.exists(dir.resolve("broker/.broker.properties")), "the partial file moved");

    // Each host's files name its own users only, and carry the certificate, not a path.
    Map<String, Object> agent = KafkaClientProperties.load(dir.resolve("host-1/agent.properties"));
    assertEquals("SASL_SSL", agent.get("security.protocol"));
    assertTrue(agent.get("sasl.jaas.config").toString().contains("username=\"host-1\""));
    assertTrue(agent.get("ssl.truststore.certificates").toString().startsWith("-----BEGIN"));
    Map<String, Object> runtime =
        KafkaClientProperties.load(dir.resolve("host-1/runtime.properties"));
    assertTrue(runtime.get("sasl.jaas.config").toString().contains("username=\"runtime-1\""));
    assertFalse(agent.get("sasl.jaas.config").equals(runtime.get("sasl.jaas.config")));

    // The broker's settings cover both listeners; the format arguments every user.
    Properties broker = new Properties();
    try (Reader in = Files.newBufferedReader(dir.resolve("broker/broker.properties"))) {
      broker.load(in);
    }
    assertEquals(
        "SASL_SSL:SASL_SSL,EXTERNAL:SASL_SSL,CONTROLLER:SSL",
        broker.getProperty("listener.security.protocol.map"));
    assertEquals("SASL_SSL", broker.getProperty("inter.broker.listener.name"));
    assertTrue(broker.containsKey("listener.name.external.scram-sha-512.sasl.jaas.config"));
    assertEquals("false", broker.getProperty("allow.everyone.if.no.acl.found"));
    assertEquals(
        dir.resolve("broker/broker.p12").toString(), broker.getProperty("ssl.keystore.location"));
    List<String> scram = Files.readAllLines(dir.resolve("broker/scram.args"));
    for (String user : List.of("broker", "orchestrator", "host-1", "runtime-1", "runtime-2")) {
      assertTrue(
          scram.stream().anyMatch(l -> l.startsWith("SCRAM-SHA-512=[name=" + user + ",")), user);
    }
    assertEquals(2 * 6, scram.size(), "--add-scram and its value for 6 users: " + scram);
  }

  @Test
  void secrets_secondRun_keepsTheFirstsCredentials() throws Exception {
    assertEquals(0, secrets().code());
    String first = Files.readString(dir.resolve("host-1/agent.properties"));
    SixpnCommandTest.Run again = secrets();
    assertEquals(0, again.code(), again.err());
    assertTrue(again.out().contains("kept"), again.out());
    assertEquals(first, Files.readString(dir.resolve("host-1/agent.properties")));
  }

  @Test
  void secrets_badListenerOrHosts_oneLineExit2NothingWritten() throws Exception {
    for (String[] bad :
        List.of(
            new String[] {"--listener", "CONTROLLER"},
            new String[] {"--listener", "lower"},
            new String[] {"--hosts", "0"})) {
      SixpnCommandTest.Run r = secrets(bad);
      assertEquals(2, r.code(), String.join(" ", bad) + ": " + r.err());
      assertEquals(1, r.err().strip().lines().count(), r.err());
      assertTrue(r.err().contains(bad[0]), r.err());
    }
    try (var files = Files.list(dir)) {
      assertEquals(0, files.count(), "nothing written");
    }
  }
}
