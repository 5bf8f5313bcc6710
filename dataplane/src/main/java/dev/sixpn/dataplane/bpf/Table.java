package dev.sixpn.dataplane.bpf;

import java.util.Map;

/** The part of a map the reconciler uses; implemented by {@link BpfMap} and by test fakes. */
public interface Table<K, V> {

  Map<K, V> entries();

  void put(K key, V value);

  /** Deletes a key; an absent key is not an error. */
  boolean delete(K key);
}
