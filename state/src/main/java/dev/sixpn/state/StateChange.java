package dev.sixpn.state;

import java.util.Set;

/**
 * What one committed batch changed. Listeners re-read what they need through {@link StateReader}; a
 * change set says where to look, not the new values.
 *
 * @param networks networks whose apps, instances or existence changed
 * @param apps apps that changed, as {@link AppRef}
 * @param hosts hosts that joined, left, or gained or lost an instance
 * @param instanceIds ids of instances that were started, stopped or destroyed
 * @param committedAtNanos {@link System#nanoTime()} when the batch was committed, so a listener can
 *     measure how late it sees the change
 */
public record StateChange(
    Set<Long> networks,
    Set<AppRef> apps,
    Set<Long> hosts,
    Set<String> instanceIds,
    long committedAtNanos) {

  /** An app of a network. */
  public record AppRef(long network, String app) {}

  public StateChange {
    networks = Set.copyOf(networks);
    apps = Set.copyOf(apps);
    hosts = Set.copyOf(hosts);
    instanceIds = Set.copyOf(instanceIds);
  }

  /** A change committed now. */
  public StateChange(
      Set<Long> networks, Set<AppRef> apps, Set<Long> hosts, Set<String> instanceIds) {
    this(networks, apps, hosts, instanceIds, System.nanoTime());
  }

  public boolean isEmpty() {
    return networks.isEmpty() && apps.isEmpty() && hosts.isEmpty() && instanceIds.isEmpty();
  }
}
