package dev.sixpn.state;

/**
 * After each batch is committed to the store, every subscribed listener is told what changed, on
 * the projector's thread: a listener must be quick (hand work off to its own executor) and must not
 * throw; an exception is logged and the other listeners still run.
 */
public interface ChangeFeed {

  /** Returns a handle whose {@code close()} unsubscribes. */
  AutoCloseable subscribe(ChangeListener listener);

  @FunctionalInterface
  interface ChangeListener {
    void onChange(StateChange change);
  }
}
