package dev.sixpn.dataplane.reconcile;

import java.time.Duration;
import java.util.List;

/**
 * One reconcile pass.
 *
 * @param changes objects added, updated or removed
 * @param errors what failed (the pass goes on past a failure; the loop retries)
 * @param missingLinks started local instances whose link is not there yet
 * @param pruned whether the pass was allowed to remove what the state no longer wants (false while
 *     the state is still catching up: the loop then runs again soon)
 */
public record ReconcileResult(
    int changes,
    List<String> errors,
    List<String> missingLinks,
    Duration duration,
    boolean pruned) {

  public ReconcileResult {
    errors = List.copyOf(errors);
    missingLinks = List.copyOf(missingLinks);
  }

  /** A pass that pruned as needed. */
  public ReconcileResult(
      int changes, List<String> errors, List<String> missingLinks, Duration duration) {
    this(changes, errors, missingLinks, duration, true);
  }

  public boolean ok() {
    return errors.isEmpty();
  }
}
