package dev.sixpn.dataplane.reconcile;

import java.time.Duration;
import java.util.List;

/**
 * One reconcile pass.
 *
 * @param changes objects added, updated or removed
 * @param errors what failed (the pass goes on past a failure; the loop retries)
 * @param missingLinks started local instances whose link is not there yet
 */
public record ReconcileResult(
    int changes, List<String> errors, List<String> missingLinks, Duration duration) {

  public ReconcileResult {
    errors = List.copyOf(errors);
    missingLinks = List.copyOf(missingLinks);
  }

  public boolean ok() {
    return errors.isEmpty();
  }
}
