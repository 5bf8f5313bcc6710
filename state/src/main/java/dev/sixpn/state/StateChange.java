package dev.sixpn.state;

import java.util.Set;

/**
 * What one committed batch changed. Listeners re-read what they need through {@link StateReader}; a
 * change set says where to look, not the new values — and, as importantly at fleet scale, lets a
 * listener skip a batch that does not concern it (most batches concern other hosts' instances).
 *
 * @param networks networks whose apps, instances or existence changed
 * @param apps apps that changed, as {@link AppRef}
 * @param hosts hosts that joined, left, or gained or lost an instance
 * @param instanceIds ids of instances that were started, stopped or destroyed
 * @param hostRecords hosts that joined or left: their own record (key, endpoint, location) changed,
 *     not only what runs on them; a subset of {@code hosts}
 * @param committedAtNanos {@link System#nanoTime()} when the batch was committed, so a listener can
 *     measure how late it sees the change
 */
public record StateChange(
    Set<Long> networks,
    Set<AppRef> apps,
    Set<Long> hosts,
    Set<String> instanceIds,
    Set<Long> hostRecords,
    long committedAtNanos) {

  /** An app of a network. */
  public record AppRef(long network, String app) {}

  public StateChange {
    networks = Set.copyOf(networks);
    apps = Set.copyOf(apps);
    hosts = Set.copyOf(hosts);
    instanceIds = Set.copyOf(instanceIds);
    hostRecords = Set.copyOf(hostRecords);
    if (!hosts.containsAll(hostRecords)) {
      throw new IllegalArgumentException("hostRecords must be a subset of hosts");
    }
  }

  /**
   * A change that does not say which hosts' records changed: every host in {@code hosts} is taken
   * to have joined or left, the safe reading.
   */
  public StateChange(
      Set<Long> networks,
      Set<AppRef> apps,
      Set<Long> hosts,
      Set<String> instanceIds,
      long committedAtNanos) {
    this(networks, apps, hosts, instanceIds, hosts, committedAtNanos);
  }

  /** Like {@link #StateChange(Set, Set, Set, Set, long)}, committed now. */
  public StateChange(
      Set<Long> networks, Set<AppRef> apps, Set<Long> hosts, Set<String> instanceIds) {
    this(networks, apps, hosts, instanceIds, hosts, System.nanoTime());
  }

  public boolean isEmpty() {
    return networks.isEmpty() && apps.isEmpty() && hosts.isEmpty() && instanceIds.isEmpty();
  }

  /**
   * Whether {@code host} joined or left, or an instance placed on it (before or after a move) was
   * started, moved, stopped or destroyed.
   */
  public boolean touchesHost(long host) {
    return hosts.contains(host);
  }

  /** Whether any host joined or left (every host peers with every other). */
  public boolean changesHostRecords() {
    return !hostRecords.isEmpty();
  }
}
