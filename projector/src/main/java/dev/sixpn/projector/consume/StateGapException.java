package dev.sixpn.projector.consume;

/**
 * The stored offsets cannot be resumed and nothing can fill the gap: the log no longer starts at 0
 * and no snapshot covers where it starts. The projector stops (and stays not caught up) rather than
 * serve a state that silently lacks events.
 */
public final class StateGapException extends IllegalStateException {
  StateGapException(String message) {
    super(message);
  }
}
