package dev.sixpn.projector.fold;

import dev.sixpn.state.StateChange;
import java.util.HashSet;
import java.util.Set;

/** Accumulates what a batch touches, for the change feed. Not thread-safe: one per batch. */
public final class ChangeCollector {

  /**
   * Collects nothing: for batches nobody will hear about (the agent catches up before the DNS edge
   * and the dataplane subscribe), where the sets were a tenth of the fold.
   */
  public static ChangeCollector discarding() {
    return new ChangeCollector(false);
  }

  private final boolean enabled;

  private final Set<Long> networks = new HashSet<>();
  private final Set<StateChange.AppRef> apps = new HashSet<>();
  private final Set<Long> hosts = new HashSet<>();
  private final Set<String> instanceIds = new HashSet<>();
  private final Set<Long> hostRecords = new HashSet<>();

  public ChangeCollector() {
    this(true);
  }

  private ChangeCollector(boolean enabled) {
    this.enabled = enabled;
  }

  void network(long network) {
    if (enabled) {
      networks.add(network);
    }
  }

  void app(long network, String app) {
    if (enabled) {
      networks.add(network);
      apps.add(new StateChange.AppRef(network, app));
    }
  }

  /** An instance moved off {@code host}. */
  void host(long host) {
    if (enabled) {
      hosts.add(host);
    }
  }

  /** {@code host} joined or left. */
  void hostRecord(long host) {
    if (enabled) {
      hosts.add(host);
      hostRecords.add(host);
    }
  }

  void instance(long network, String app, long host, String instanceId) {
    if (enabled) {
      app(network, app);
      host(host);
      instanceIds.add(instanceId);
    }
  }

  public boolean isEmpty() {
    return networks.isEmpty() && hosts.isEmpty();
  }

  public StateChange toChange(long committedAtNanos) {
    return new StateChange(networks, apps, hosts, instanceIds, hostRecords, committedAtNanos);
  }

  public StateChange toChange() {
    return new StateChange(networks, apps, hosts, instanceIds, hostRecords, System.nanoTime());
  }
}
