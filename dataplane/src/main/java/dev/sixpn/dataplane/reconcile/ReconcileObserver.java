package dev.sixpn.dataplane.reconcile;

/** Told how many objects of a kind a pass changed (metrics). */
@FunctionalInterface
public interface ReconcileObserver {

  ReconcileObserver NONE = (object, action, count) -> {};

  /**
   * @param object link_map, locals_map, route, attach, file, peer, device
   * @param action add, update, remove
   */
  void changed(String object, String action, int count);
}
