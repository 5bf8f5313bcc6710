package dev.sixpn.state;

/**
 * How far this host has folded the lifecycle topic: per partition, the next offset it will fold,
 * every record before it applied and committed. What the propagation fence ({@code
 * <partition>-<offset>._fence.internal}) answers from. Thread-safe.
 */
@FunctionalInterface
public interface AppliedOffsets {

  /** Knows of nothing applied (every fence is pending). */
  AppliedOffsets NONE = partition -> 0;

  /** The next offset to fold on {@code partition}; 0 if none was folded. */
  long next(int partition);

  /** True if the record at {@code offset} of {@code partition} is applied here. */
  default boolean applied(int partition, long offset) {
    return next(partition) > offset;
  }
}
