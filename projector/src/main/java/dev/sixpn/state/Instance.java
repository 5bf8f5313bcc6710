package dev.sixpn.state;

import dev.sixpn.address.SixpnAddress;
import java.util.Map;

/**
 * An instance as the projected state holds it.
 *
 * @param metadata the user's labels; data only, no meaning to the dataplane
 * @param hostAccess whether orchestration lets the instance reach its host's own address
 */
public record Instance(
    String instanceId,
    long network,
    String app,
    String processGroup,
    long host,
    String region,
    SixpnAddress address,
    InstanceStatus status,
    Map<String, String> metadata,
    boolean hostAccess) {

  public Instance {
    metadata = Map.copyOf(metadata);
  }

  /** An instance without host access. */
  public Instance(
      String instanceId,
      long network,
      String app,
      String processGroup,
      long host,
      String region,
      SixpnAddress address,
      InstanceStatus status,
      Map<String, String> metadata) {
    this(instanceId, network, app, processGroup, host, region, address, status, metadata, false);
  }

  public boolean started() {
    return status == InstanceStatus.STARTED;
  }

  /** This instance with another status, everything else the same. */
  public Instance withStatus(InstanceStatus status) {
    return new Instance(
        instanceId,
        network,
        app,
        processGroup,
        host,
        region,
        address,
        status,
        metadata,
        hostAccess);
  }
}
