package dev.sixpn.projector.store;

/**
 * A stop or destroy that arrived before its instance's start, held until the start arrives.
 *
 * @param destroyed a destroy (else a stop)
 * @param timeMillis its event time
 */
public record ParkedEnd(boolean destroyed, long timeMillis) {}
