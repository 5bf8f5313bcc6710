package dev.sixpn.state;

import dev.sixpn.address.SixpnAddress;
import java.util.Map;

/** An instance as the projected state holds it. */
public record Instance(
    String instanceId,
    long network,
    String app,
    String processGroup,
    long host,
    String region,
    SixpnAddress address,
    InstanceStatus status,
    Map<String, String> metadata) {

  public Instance {
    metadata = Map.copyOf(metadata);
  }

  public boolean started() {
    return status == InstanceStatus.STARTED;
  }

  /** This instance with another status, everything else the same. */
  public Instance withStatus(InstanceStatus status) {
    return new Instance(
        instanceId, network, app, processGroup, host, region, address, status, metadata);
  }
}
