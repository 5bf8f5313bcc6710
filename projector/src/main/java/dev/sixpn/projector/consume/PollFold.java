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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The records of one poll: decoded in parallel slices (JSON decoding is most of a record's cost),
 * then folded one by one, in poll order, into one {@link StoreBatch}. A record that cannot be
 * folded is quarantined in the same batch with its reason.
 */
final class PollFold {

  private static final Logger LOG = LoggerFactory.getLogger(PollFold.class);

  /**
   * Below this many records per slice, handing a slice to another thread costs more than it saves.
   */
  static final int MIN_RECORDS_PER_SLICE = 1_000;

  private final List<ConsumerRecord<String, byte[]>> records;
  final ChangeCollector changes;
  final Map<String, Integer> folded = new HashMap<>();
  final Map<String, Integer> quarantined = new HashMap<>();
  int duplicates;

  PollFold(List<ConsumerRecord<String, byte[]>> records, ChangeCollector changes) {
    this.records = records;
    this.changes = changes;
  }

  /** Each record's event, or the {@link MalformedEventException} that rejected it. */
  private Object[] decode(int parallelism) {
    Object[] decoded = new Object[records.size()];
    int slices = Math.max(1, Math.min(parallelism, decoded.length / MIN_RECORDS_PER_SLICE));
    IntStream range = IntStream.range(0, slices);
    (slices > 1 ? range.parallel() : range)
        .forEach(
            s -> {
              int from = (int) ((long) decoded.length * s / slices);
              int to = (int) ((long) decoded.length * (s + 1) / slices);
              for (int i = from; i < to; i++) {
                try {
                  decoded[i] = EventCodec.decode(records.get(i).value());
                } catch (MalformedEventException e) {
                  decoded[i] = e;
                }
              }
            });
    return decoded;
  }

  void foldInto(StateStore store, StoreBatch batch, int decodeParallelism) {
    Object[] decoded = decode(decodeParallelism);
    StateRows rows = new StateRows(store, batch);
    for (int i = 0; i < decoded.length; i++) {
      ConsumerRecord<String, byte[]> r = records.get(i);
      batch.putOffset(r.partition(), r.offset() + 1);
      String reason;
      String message;
      try {
        if (decoded[i] instanceof MalformedEventException e) {
          throw e;
        }
        LifecycleEvent event = (LifecycleEvent) decoded[i];
        rows.partition(r.partition());
        if (rows.expired(event)) {
          reason = "EXPIRED";
          message =
              "event time "
                  + event.time()
                  + " is more than the dedup horizon behind the latest event of partition "
                  + r.partition()
                  + ": a late original cannot be told from a re-published copy, so it is not"
                  + " folded";
        } else {
          if (EventFolder.fold(rows, event, changes) == EventFolder.Outcome.DUPLICATE) {
            duplicates++;
          } else {
            folded.merge(event.type().wireName(), 1, Integer::sum);
          }
          continue;
        }
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
      quarantined.merge(reason, 1, Integer::sum);
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
