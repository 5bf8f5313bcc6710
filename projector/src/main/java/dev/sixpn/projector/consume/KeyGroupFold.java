package dev.sixpn.projector.consume;

import dev.sixpn.events.EventCodec;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.events.MalformedEventException;
import dev.sixpn.projector.fold.ChangeCollector;
import dev.sixpn.projector.fold.EventFolder;
import dev.sixpn.projector.fold.RuleViolation;
import dev.sixpn.projector.store.StateRows;
import dev.sixpn.projector.store.StateStore;
import dev.sixpn.projector.store.StoreBatch;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The records of one poll whose keys fall in one group, folded into their own {@link StoreBatch}.
 * Groups never share a row (a key is a network, whose instances, apps, addresses and event ids are
 * its own, or a host, whose events only write its host row), so groups fold in parallel; the
 * projector then commits all groups' batches with the offsets in one atomic write.
 */
final class KeyGroupFold implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(KeyGroupFold.class);

  final StoreBatch batch;

  final List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
  final ChangeCollector changes = new ChangeCollector();
  final List<String> folded = new ArrayList<>();
  final List<String> quarantined = new ArrayList<>();
  int duplicates;

  KeyGroupFold(StateStore store) {
    this.batch = store.newBatch();
  }

  void run() {
    // Decode first, so the fold's point reads can be fetched with one MultiGet per family.
    Object[] decoded = new Object[records.size()];
    List<LifecycleEvent> events = new ArrayList<>(records.size());
    for (int i = 0; i < decoded.length; i++) {
      try {
        LifecycleEvent e = EventCodec.decode(records.get(i).value());
        decoded[i] = e;
        events.add(e);
      } catch (MalformedEventException e) {
        decoded[i] = e;
      }
    }
    {
      StateRows rows = new StateRows(batch);
      rows.prefetch(events);
      for (int i = 0; i < decoded.length; i++) {
        ConsumerRecord<String, byte[]> r = records.get(i);
        String reason;
        String message;
        try {
          if (decoded[i] instanceof MalformedEventException e) {
            throw e;
          }
          LifecycleEvent event = (LifecycleEvent) decoded[i];
          if (EventFolder.fold(batch, event, changes) == EventFolder.Outcome.DUPLICATE) {
            duplicates++;
          } else {
            folded.add(event.type().wireName());
          }
          continue;
        } catch (MalformedEventException e) {
          reason = e.reason().name();
          message = e.getMessage();
        } catch (RuleViolation e) {
          reason = "RULE_VIOLATION";
          message = e.getMessage();
        }
        rows.quarantine(
            r.partition(),
            r.offset(),
            Quarantine.entry(
                r.topic(), r.partition(), r.offset(), r.key(), r.value(), reason, message));
        quarantined.add(reason);
        LOG.warn(
            "quarantined record topic={} partition={} offset={} reason={} message=\"{}\"",
            r.topic(),
            r.partition(),
            r.offset(),
            reason,
            message);
      }
    }
  }

  @Override
  public void close() {
    batch.close();
  }
}
