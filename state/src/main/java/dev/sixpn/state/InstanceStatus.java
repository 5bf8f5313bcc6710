package dev.sixpn.state;

/** Where an instance is in its life; destroyed instances are not in the state at all. */
public enum InstanceStatus {
  STARTED,
  STOPPED
}
