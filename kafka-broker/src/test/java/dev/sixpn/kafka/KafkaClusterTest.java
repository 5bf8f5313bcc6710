package dev.sixpn.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three nodes, each its own JVM. */
class KafkaClusterTest {

  @TempDir Path dir;

  @Test
  void start_threeNodes_killedLeaderIsReplacedAndComesBack() throws Exception {
    long started = System.nanoTime();
    try (KafkaCluster cluster = KafkaCluster.start(dir, 3)) {
      System.out.printf(
          "cluster of 3 up in %d ms: %s%n",
          Duration.ofNanos(System.nanoTime() - started).toMillis(), cluster.bootstrapServers());
      assertEquals(3, cluster.bootstrapServers().split(",").length);
      Map<String, Object> conf = Map.of("bootstrap.servers", cluster.bootstrapServers());
      try (Admin admin = Admin.create(conf)) {
        admin
            .createTopics(
                List.of(
                    new NewTopic("t", 1, (short) 3).configs(Map.of("min.insync.replicas", "2"))))
            .all()
            .get();
      }
      TopicPartition tp = new TopicPartition("t", 0);
      Properties p = new Properties();
      p.put("bootstrap.servers", cluster.bootstrapServers());
      p.put("acks", "all");
      try (var producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
        producer.send(new ProducerRecord<>("t", "k", "before")).get();
        int leader = awaitLeader(cluster, tp);
        long pid = cluster.pid(leader);
        cluster.kill(leader);
        assertFalse(cluster.isAlive(leader));
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        long killed = System.nanoTime();
        // acks=all with min.insync.replicas=2: two of three replicas are enough.
        producer.send(new ProducerRecord<>("t", "k", "during")).get();
        int next = awaitLeader(cluster, tp);
        System.out.printf(
            "leader %d killed; node %d leads, a write acknowledged %d ms later%n",
            leader, next, Duration.ofNanos(System.nanoTime() - killed).toMillis());
        assertNotEquals(leader, next);
        cluster.restart(leader);
        assertTrue(cluster.isAlive(leader));
        producer.send(new ProducerRecord<>("t", "k", "after")).get();
      }
    }
  }

  private static int awaitLeader(KafkaCluster cluster, TopicPartition tp)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      int leader = cluster.leaderOf(tp);
      if (leader > 0 && cluster.isAlive(leader)) {
        return leader;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no live leader for " + tp);
  }
}
