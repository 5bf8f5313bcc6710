package dev.sixpn.dataplane.reconcile;

/** Told what a pass changed and what failed (metrics). */
public interface ReconcileObserver {

  ReconcileObserver NONE = (object, action, count) -> {};

  /**
   * @param object link_map, locals_map, route, attach, gateway, file, peer, device
   * @param action add, update, remove
   */
  void changed(String object, String action, int count);

  /**
   * One item of a pass failed (it is retried with backoff; the rest of the pass went on).
   *
   * @param reason a short, bounded label: {@code command}, {@code bpf}, {@code io}, {@code
   *     wireguard}, {@code invalid}, {@code other}
   */
  default void failed(String object, String reason) {}
}
