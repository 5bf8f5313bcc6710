package dev.sixpn.dataplane.bpf;

/** The element operations counted per map. */
public enum MapOp {
  LOOKUP,
  UPDATE,
  DELETE,
  NEXT_KEY;

  /** Receives every operation on one map; must be cheap (it is on the update path). */
  @FunctionalInterface
  public interface Observer {
    Observer NONE = (op, ok) -> {};

    void observe(MapOp op, boolean ok);
  }
}
