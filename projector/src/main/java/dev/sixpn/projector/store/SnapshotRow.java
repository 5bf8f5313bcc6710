package dev.sixpn.projector.store;

/**
 * One primary row of the state as a snapshot carries it: its family and its stored key and value
 * (values in {@link ValueCodec}'s encoding, keys as {@link Keys} lays them out).
 *
 * @param family one of {@link #PRIMARY}
 */
public record SnapshotRow(Family family, byte[] key, byte[] value) {

  /** The families a snapshot holds: the state itself, not the dedup window nor the quarantine. */
  public static final java.util.List<Family> PRIMARY =
      java.util.List.of(
          Family.NETWORKS,
          Family.APPS,
          Family.INSTANCES,
          Family.HOSTS,
          Family.PARKED,
          Family.PEERS);

  public SnapshotRow {
    if (!PRIMARY.contains(family)) {
      throw new IllegalArgumentException("family must be one of " + PRIMARY + ", got " + family);
    }
    if (key == null || value == null) {
      throw new IllegalArgumentException("key and value are required");
    }
  }
}
