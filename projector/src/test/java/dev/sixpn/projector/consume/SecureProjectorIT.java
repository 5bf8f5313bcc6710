package dev.sixpn.projector.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.events.synthetic.SyntheticFleet;
import dev.sixpn.kafka.KafkaBrokers;
import dev.sixpn.kafka.SecureKafkaBroker;
import dev.sixpn.projector.metrics.ProjectorMetrics;
import dev.sixpn.projector.store.StateStore;
import dev.sixpn.publish.KafkaAcls;
import dev.sixpn.publish.LifecyclePublisher;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The projector as a host under SASL_SSL: it reads with a principal that may only read. */
class SecureProjectorIT {

  @TempDir Path dir;

  @Test
  void catchUp_hostCredentials_foldsWhatOrchestrationPublished() throws Exception {
    String topic = "secure-fold";
    Duration timeout = Duration.ofSeconds(30);
    List<LifecycleEvent> events = new SyntheticFleet(11, 3, 3, 4).generate(1000);
    try (SecureKafkaBroker broker = KafkaBrokers.startSaslSsl(List.of("host-3"))) {
      Map<String, Object> orchestrator = broker.clientConfig(SecureKafkaBroker.ORCHESTRATOR);
      try (LifecyclePublisher publisher =
          LifecyclePublisher.connect(broker.bootstrapServers(), orchestrator, topic, 4, timeout)) {
        for (LifecycleEvent e : events) {
          publisher.publish(e);
        }
        publisher.flush();
      }
      Map<String, Object> admin = new HashMap<>(orchestrator);
      admin.put("bootstrap.servers", broker.bootstrapServers());
      try (Admin a = Admin.create(admin)) {
        KafkaAcls.apply(a, KafkaAcls.forHosts(topic, List.of("User:host-3")), timeout);
      }

      ProjectorMetrics metrics = new ProjectorMetrics(new PrometheusRegistry());
      try (StateStore store = StateStore.open(dir.resolve("state"));
          LifecycleProjector projector =
              new LifecycleProjector(
                  ProjectorConfig.of(broker.bootstrapServers(), topic)
                      .withKafkaOverrides(broker.clientConfig("host-3")),
                  store,
                  metrics)) {
        assertTrue(projector.catchUp(Duration.ofSeconds(60)), "caught up as User:host-3");
        assertEquals(events.size(), metrics.foldedTotal());
        assertEquals(0, metrics.quarantinedTotal());
      }
    }
  }
}
