package dev.sixpn.projector.store;

import java.nio.charset.StandardCharsets;

/** The column families of the state store; layouts in {@link Keys}. */
public enum Family {
  DEFAULT("default"),
  META("meta"),
  INSTANCES("instances"),
  APPS("apps"),
  NETWORKS("networks"),
  HOSTS("hosts"),
  EVENT_IDS("event_ids"),
  QUARANTINE("quarantine"),
  PARKED("parked"),
  PEERS("peers");

  private final String cfName;

  Family(String cfName) {
    this.cfName = cfName;
  }

  public String cfName() {
    return cfName;
  }

  byte[] nameBytes() {
    return cfName.getBytes(StandardCharsets.US_ASCII);
  }
}
