package dev.sixpn.dataplane.reconcile;

import dev.sixpn.dataplane.bpf.BpfException;
import dev.sixpn.dataplane.link.Exec;
import dev.sixpn.dataplane.wireguard.WireGuardException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The items of a pass that failed, each retried with its own exponential backoff, so one broken
 * instance (a bad link, a tc or route error) is skipped, logged with its id and counted, while
 * every other item is reconciled in the same pass. Owned by one reconcile thread.
 */
final class ItemFailures {

  /** First retry after this; doubles per failure. */
  static final Duration FIRST_RETRY = Duration.ofSeconds(1);

  /** Never wait longer than this: a fixed item comes back within a minute. */
  static final Duration MAX_RETRY = Duration.ofSeconds(60);

  private static final Logger log = LoggerFactory.getLogger(ItemFailures.class);

  private record Failure(int count, long retryAtNanos, String reason) {}

  private final Map<String, Failure> failing = new HashMap<>();
  private final java.util.Set<String> touched = new java.util.HashSet<>();
  private final ReconcileObserver observer;
  private final LongSupplier clock;

  ItemFailures(ReconcileObserver observer, LongSupplier nanoClock) {
    this.observer = observer;
    this.clock = nanoClock;
  }

  /**
   * Runs {@code action} for item {@code key} of {@code object} unless the item is backing off.
   *
   * @return true if it ran and succeeded
   */
  boolean attempt(String object, String key, List<String> errors, Runnable action) {
    String id = object + " " + key;
    touched.add(id);
    Failure f = failing.get(id);
    if (f != null && clock.getAsLong() < f.retryAtNanos()) {
      errors.add(id + ": backing off after " + f.count() + " failures (" + f.reason() + ")");
      return false;
    }
    try {
      action.run();
      if (f != null) {
        failing.remove(id);
        log.info("reconcile item recovered object={} item={} after={}", object, key, f.count());
      }
      return true;
    } catch (RuntimeException e) {
      int count = f == null ? 1 : f.count() + 1;
      long delay = Math.min(MAX_RETRY.toNanos(), FIRST_RETRY.toNanos() << Math.min(count - 1, 16));
      String reason = reason(e);
      failing.put(id, new Failure(count, clock.getAsLong() + delay, reason));
      observer.failed(object, reason);
      log.warn(
          "reconcile item failed object={} item={} reason={} failures={} retryInMs={} error={}",
          object,
          key,
          reason,
          count,
          delay / 1_000_000,
          e.getMessage());
      errors.add(id + ": " + e.getMessage());
      return false;
    }
  }

  /**
   * Reads {@code what} as item "read" of {@code object}.
   *
   * @return what it read, or null if it failed (recorded like any item)
   */
  <T> T read(String object, List<String> errors, java.util.function.Supplier<T> what) {
    Object[] out = {null};
    attempt(object, "read", errors, () -> out[0] = what.get());
    @SuppressWarnings("unchecked")
    T t = (T) out[0];
    return t;
  }

  /** Starts a pass: items not attempted by its end are forgotten (they are no longer wanted). */
  void beginPass() {
    touched.clear();
  }

  void endPass() {
    failing.keySet().retainAll(touched);
  }

  int size() {
    return failing.size();
  }

  static String reason(RuntimeException e) {
    return switch (e) {
      case Exec.CommandException c -> "command";
      case BpfException b -> "bpf";
      case UncheckedIOException io -> "io";
      case WireGuardException w -> "wireguard";
      case IllegalArgumentException i -> "invalid";
      default -> "other";
    };
  }
}
