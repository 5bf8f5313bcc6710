/**
 * This host's copy of the projected state. {@link dev.sixpn.projector.store.ProjectedState}: the
 * state in memory (networks, apps, instances, hosts and the indexes the queries use), what every
 * read and fold sees. {@link dev.sixpn.projector.store.StateStore}: its durable copy in RocksDB —
 * the primary rows only, with the Kafka offsets and topic identity that produced them, the dedup
 * window's event ids, the quarantine and the parked stops — loaded into memory on open, replaced
 * whole from a snapshot by {@code restore}, exported by {@code exportRows}. {@link
 * dev.sixpn.projector.store.StoreBatch}: one poll's changes, written atomically; {@link
 * dev.sixpn.projector.store.StateRows}: the row API the fold rules speak; {@link
 * dev.sixpn.projector.store.Keys} and {@link dev.sixpn.projector.store.ValueCodec}: the on-disk
 * layout. Nothing here talks to Kafka.
 */
package dev.sixpn.projector.store;
