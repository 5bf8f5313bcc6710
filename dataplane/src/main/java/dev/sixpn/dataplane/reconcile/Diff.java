package dev.sixpn.dataplane.reconcile;

import dev.sixpn.dataplane.bpf.Table;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Desired versus actual for one keyed collection: what to add, what to update, what to prune.
 * Level-triggered: computed from full reads each time, never from the change that woke us.
 */
public record Diff<K, V>(Map<K, V> adds, Map<K, V> updates, Set<K> removals) {

  public Diff {
    adds = Map.copyOf(adds);
    updates = Map.copyOf(updates);
    removals = Set.copyOf(removals);
  }

  public static <K, V> Diff<K, V> between(Map<K, V> desired, Map<K, V> actual) {
    Map<K, V> adds = new LinkedHashMap<>();
    Map<K, V> updates = new LinkedHashMap<>();
    for (Map.Entry<K, V> e : desired.entrySet()) {
      if (!actual.containsKey(e.getKey())) {
        adds.put(e.getKey(), e.getValue());
      } else if (!Objects.equals(actual.get(e.getKey()), e.getValue())) {
        updates.put(e.getKey(), e.getValue());
      }
    }
    Set<K> removals = new HashSet<>(actual.keySet());
    removals.removeAll(desired.keySet());
    return new Diff<>(adds, updates, removals);
  }

  public boolean isEmpty() {
    return adds.isEmpty() && updates.isEmpty() && removals.isEmpty();
  }

  public int size() {
    return adds.size() + updates.size() + removals.size();
  }

  /** Removals first, so a key that moved never exists twice, then adds and updates. */
  public void applyTo(Table<K, V> table) {
    removals.forEach(table::delete);
    adds.forEach(table::put);
    updates.forEach(table::put);
  }
}
