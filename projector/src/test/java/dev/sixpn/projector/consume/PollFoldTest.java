package dev.sixpn.projector.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.events.EventCodec;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.projector.fold.ChangeCollector;
import dev.sixpn.projector.store.StateStore;
import dev.sixpn.projector.store.StoreBatch;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PollFoldTest {

  static final Instant T = Instant.parse("2026-11-25T00:00:00Z");

  @TempDir Path dir;

  @Test
  void foldInto_eventOlderThanTheHorizonBehindItsPartition_quarantinedAsExpired() {
    List<LifecycleEvent> events =
        List.of(
            started("e1", "i1", 1, T.plus(Duration.ofHours(2))),
            // Another partition's clock does not matter: partition 1 has seen nothing yet.
            started("e2", "i2", 2, T),
            // Two hours behind partition 0's latest event, one hour of horizon: expired.
            started("e3", "i3", 3, T),
            // A duplicate within the window is skipped, not quarantined.
            started("e1", "i1", 1, T.plus(Duration.ofHours(2))));
    int[] partitions = {0, 1, 0, 0};
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      records.add(
          new ConsumerRecord<>("t", partitions[i], i, "1", EventCodec.encode(events.get(i))));
    }
    try (StateStore store = StateStore.open(dir, Duration.ofHours(1))) {
      PollFold fold = new PollFold(records, ChangeCollector.discarding());
      StoreBatch batch = store.newBatch();
      fold.foldInto(store, batch, 1);
      store.commit(batch);
      assertEquals(Map.of("EXPIRED", 1), fold.quarantined);
      assertEquals(1, fold.duplicates);
      assertEquals(Map.of("instance.started", 2), fold.folded);
      assertTrue(store.state().instance(1, "web", "i3").isEmpty());
      assertTrue(store.quarantined().getFirst().contains("\"reason\":\"EXPIRED\""));
    }
  }

  static LifecycleEvent.InstanceStarted started(String id, String instance, long n, Instant t) {
    return new LifecycleEvent.InstanceStarted(
        id, t, instance, 1, "web", "app", 7, "nrt", SixpnAddress.ofInstance(1, 7, n), Map.of());
  }
}
