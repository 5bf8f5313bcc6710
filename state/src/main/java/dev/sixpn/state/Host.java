package dev.sixpn.state;

/**
 * A physical host of the mesh, from its {@code host.joined} event.
 *
 * @param wireguardPublicKey base64 of the 32-byte X25519 public key
 * @param endpoint the underlay {@code ip:port} WireGuard peers send to
 */
public record Host(
    long host,
    String region,
    double latitude,
    double longitude,
    String wireguardPublicKey,
    String endpoint) {}
