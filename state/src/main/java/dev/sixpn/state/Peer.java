package dev.sixpn.state;

import dev.sixpn.address.SixpnAddress;

/**
 * A WireGuard peer outside the fleet (a laptop, a CI job), from its {@code peer.created} event.
 *
 * @param name a DNS label, unique in the network ({@code <name>._peer.internal})
 * @param publicKey base64 of the peer's 32-byte X25519 public key
 * @param gatewayHost the host whose peer device it connects to
 * @param address its 6PN address (role {@link SixpnAddress#ROLE_PEER}, on the gateway host)
 */
public record Peer(
    long network, String name, String publicKey, long gatewayHost, SixpnAddress address) {}
