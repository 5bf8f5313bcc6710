package dev.sixpn.dataplane.wireguard;

import java.util.Base64;
import java.util.HexFormat;

/**
 * A 32-byte Curve25519 key. Events carry keys in base64 (as {@code wg(8)} prints them); the UAPI
 * wants lowercase hex.
 *
 * @param base64 the standard base64 of the 32 bytes
 */
public record WgKey(String base64) {

  public WgKey {
    if (base64 == null) {
      throw new IllegalArgumentException("key is required");
    }
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      // Not the value: this may be a private key read from its file.
      throw new IllegalArgumentException(
          "key must be standard base64 of 32 bytes, got " + base64.length() + " characters");
    }
    if (raw.length != 32) {
      throw new IllegalArgumentException("key must be 32 bytes, got " + raw.length);
    }
  }

  public static WgKey ofBytes(byte[] raw) {
    if (raw == null || raw.length != 32) {
      throw new IllegalArgumentException(
          "key must be 32 bytes, got " + (raw == null ? "null" : raw.length));
    }
    return new WgKey(Base64.getEncoder().encodeToString(raw));
  }

  public static WgKey ofHex(String hex) {
    return ofBytes(HexFormat.of().parseHex(hex));
  }

  public byte[] bytes() {
    return Base64.getDecoder().decode(base64);
  }

  public String hex() {
    return HexFormat.of().formatHex(bytes());
  }

  /**
   * A prefix of the base64, enough to tell public keys apart in logs; holders of private keys
   * ({@link HostKeys}, {@link DeviceState}) print none of it.
   */
  @Override
  public String toString() {
    return base64.substring(0, 8) + "…";
  }
}
