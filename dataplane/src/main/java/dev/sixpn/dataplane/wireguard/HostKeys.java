package dev.sixpn.dataplane.wireguard;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Arrays;
import java.util.Set;
import javax.crypto.KeyAgreement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's WireGuard key pair: generated once with the JDK's X25519 and kept (base64 private key)
 * in a file of mode 0600; the public key is derived from it on every start, so the file holds
 * nothing that could disagree.
 */
public record HostKeys(WgKey privateKey, WgKey publicKey) {

  private static final Logger log = LoggerFactory.getLogger(HostKeys.class);
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  /** Reads the key file, or creates it (mode 0600 from the start, never widened). */
  public static HostKeys loadOrCreate(Path file) {
    try {
      if (!Files.exists(file)) {
        Files.createDirectories(file.toAbsolutePath().getParent());
        byte[] raw = generatePrivate();
        try {
          Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (FileAlreadyExistsException raced) {
          return loadOrCreate(file);
        }
        Files.writeString(file, WgKey.ofBytes(raw).base64() + "\n", StandardCharsets.US_ASCII);
        log.info("wireguard key created file={}", file);
      }
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      if (!perms.equals(OWNER_ONLY)) {
        throw new IllegalStateException(
            "WireGuard private key "
                + file
                + " has mode "
                + PosixFilePermissions.toString(perms)
                + "; it must be rw------- (chmod 600 "
                + file
                + ")");
      }
      WgKey priv = clamp(new WgKey(Files.readString(file, StandardCharsets.US_ASCII).strip()));
      return new HostKeys(priv, publicOf(priv));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the WireGuard key file " + file, e);
    }
  }

  /** A new key pair, kept nowhere (a peer's, made by {@code sixpn peer create}). */
  public static HostKeys generate() {
    WgKey priv = WgKey.ofBytes(generatePrivate());
    return new HostKeys(priv, publicOf(priv));
  }

  /** Only the public key (a record would print the private one). */
  @Override
  public String toString() {
    return "HostKeys[publicKey=" + publicKey.base64() + "]";
  }

  /**
   * RFC 7748 §5 clamping, as {@code wg genkey} does. X25519 clamps internally anyway (same public
   * key), but wireguard-go stores and reports the clamped form: an unclamped key would never
   * compare equal to what {@code get=1} returns and every reconcile would set it again.
   */
  public static WgKey clamp(WgKey key) {
    byte[] b = key.bytes();
    b[0] &= (byte) 248;
    b[31] &= 127;
    b[31] |= 64;
    return WgKey.ofBytes(b);
  }

  /** The raw 32 bytes of a new X25519 private key (the tail of its PKCS#8 encoding), clamped. */
  static byte[] generatePrivate() {
    try {
      KeyPair pair = KeyPairGenerator.getInstance("X25519").generateKeyPair();
      byte[] enc = pair.getPrivate().getEncoded();
      return clamp(WgKey.ofBytes(Arrays.copyOfRange(enc, enc.length - 32, enc.length))).bytes();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no X25519", e);
    }
  }

  /**
   * X25519(private, 9): the public key is the key agreement of the private key with the base point
   * u = 9 (RFC 7748 §6.1). Clamping happens inside X25519, as in wireguard-go.
   */
  public static WgKey publicOf(WgKey privateKey) {
    try {
      KeyFactory kf = KeyFactory.getInstance("X25519");
      PrivateKey priv =
          kf.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, privateKey.bytes()));
      PublicKey base =
          kf.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, BigInteger.valueOf(9)));
      KeyAgreement ka = KeyAgreement.getInstance("X25519");
      ka.init(priv);
      ka.doPhase(base, true);
      return WgKey.ofBytes(ka.generateSecret());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot derive the X25519 public key", e);
    }
  }
}
