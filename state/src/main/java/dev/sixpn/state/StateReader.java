package dev.sixpn.state;

import dev.sixpn.address.SixpnAddress;
import java.util.List;
import java.util.Optional;

/**
 * Read API of the projected state, for the DNS edge and the dataplane. Hides how the projector keys
 * its column families. Every list is sorted (apps and regions by name, instances by instance id) so
 * callers get stable answers. Reads see only committed batches. Thread-safe.
 *
 * <p>"Started" lists hold instances with status {@link InstanceStatus#STARTED}; the {@code
 * includeStopped} forms add stopped ones (the {@code all.} names). Destroyed instances are gone.
 */
public interface StateReader {

  /** The instance (started or stopped) that owns this 6PN address. */
  Optional<Instance> instanceByAddress(SixpnAddress address);

  /** One instance of an app by id, started or stopped. */
  Optional<Instance> instance(long network, String app, String instanceId);

  /** Instances of an app. */
  List<Instance> instancesOfApp(long network, String app, boolean includeStopped);

  /** Started instances of an app in one region. */
  List<Instance> instancesOfAppInRegion(long network, String app, String region);

  /** Started instances of an app's process group. */
  List<Instance> instancesOfProcessGroup(long network, String app, String processGroup);

  /** Instances of every app of the network. */
  List<Instance> instancesOfNetwork(long network, boolean includeStopped);

  /**
   * Instances (started or stopped) placed on a host, of every network: the dataplane's local set.
   */
  List<Instance> instancesOnHost(long host);

  /** True if the app exists in the network (created, or with at least one instance). */
  boolean appExists(long network, String app);

  /** Apps of the network. */
  List<String> appsOfNetwork(long network);

  /** Regions with instances of the app. */
  List<String> regionsOfApp(long network, String app, boolean includeStopped);

  /** True if the network was created and not deleted. */
  boolean networkExists(long network);

  Optional<Host> host(long host);

  /** Hosts that have joined and not left. */
  List<Host> hosts();

  /**
   * Where a region is, from the {@code host.joined} events of its hosts (the first host seen in the
   * region wins).
   */
  Optional<GeoPoint> regionLocation(String region);

  /** Peers of the network, by name. */
  default List<Peer> peersOfNetwork(long network) {
    return List.of();
  }

  /**
   * Peers whose gateway is {@code host}, of every network: the gateway's peer device holds them.
   */
  default List<Peer> peersOnHost(long host) {
    return List.of();
  }

  /** The peer that owns this 6PN address. */
  default Optional<Peer> peerByAddress(SixpnAddress address) {
    return Optional.empty();
  }
}
