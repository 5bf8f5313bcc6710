package dev.sixpn.dataplane.wireguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sixpn.dataplane.link.Netns;
import dev.sixpn.dataplane.testing.Privileges;
import dev.sixpn.dataplane.testing.Topology;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * UAPI errors never carry a private or preshared key: not in the exception (message, causes, stack
 * trace), not in what gets logged of it, against a fake socket that answers with keys in its body
 * and against a real wireguard-go.
 */
class UapiRedactionTest {

  private static final Logger log = LoggerFactory.getLogger(UapiRedactionTest.class);

  @TempDir Path dir;

  private final WgKey privateKey = WgKey.ofBytes(HostKeys.generatePrivate());
  private final WgKey presharedKey = WgKey.ofBytes(HostKeys.generatePrivate());

  @Test
  void exchange_errnoResponseWithKeysInItsBody_errorHasNoKey() throws Exception {
    String body =
        "private_key=" + privateKey.hex() + "\npreshared_key=" + presharedKey.hex() + "\n";
    Fake fake = fakeDevice(body + "errno=-22\n\n");
    UapiSocket uapi = fake.uapi();
    String logged =
        captureStderr(
            () -> {
              WireGuardException e =
                  assertThrows(
                      WireGuardException.class,
                      () ->
                          uapi.exchange(
                              "set private_key/listen_port",
                              Uapi.configureRequest(privateKey, 70000)));
              assertTrue(
                  e.getMessage()
                      .startsWith(
                          "UAPI set private_key/listen_port on spnfake0 returned errno=-22 (EINVAL"),
                  e.getMessage());
              logLikeTheReconcileLoop(e);
            });
    assertNoSecret(logged);
    assertTrue(logged.contains("errno=-22"), logged);
    // The key did go over the socket: nothing is redacted by not sending it.
    assertTrue(fake.request().get(5, TimeUnit.SECONDS).contains(privateKey.hex()));
  }

  @Test
  void exchange_responseWithoutErrnoLine_errorHasNoKey() throws Exception {
    UapiSocket uapi = fakeDevice("private_key=" + privateKey.hex() + "\nlisten_port=1\n\n").uapi();
    String logged =
        captureStderr(
            () -> {
              WireGuardException e =
                  assertThrows(
                      WireGuardException.class, () -> uapi.exchange("get", Uapi.getRequest()));
              assertTrue(
                  e.getMessage().contains("UAPI get on spnfake0: the response has no errno line"),
                  e.getMessage());
              logLikeTheReconcileLoop(e);
            });
    assertNoSecret(logged);
  }

  @Test
  void exchange_nobodyListening_errorNamesTheSocketNotTheRequest() {
    UapiSocket uapi = new UapiSocket("spnfake0", dir.resolve("absent.sock"));
    WireGuardException e =
        assertThrows(
            WireGuardException.class,
            () ->
                uapi.exchange("set private_key/listen_port", Uapi.configureRequest(privateKey, 1)));
    assertTrue(e.getMessage().contains("is wireguard-go running?"), e.getMessage());
    assertNoSecret(everything(e));
  }

  @Test
  void exchange_deviceThatNeverAnswers_failsAfterTheTimeout() throws Exception {
    Path path = dir.resolve("silent.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(path));
      UapiSocket uapi = new UapiSocket("spnfake0", path, Duration.ofMillis(300));
      long start = System.nanoTime();
      // Connected (the backlog accepts it) but never answered: a hung wireguard-go.
      WireGuardException e =
          assertThrows(WireGuardException.class, () -> uapi.exchange("get", Uapi.getRequest()));
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertTrue(ms < 2_000, "took " + ms + " ms");
      assertEquals(
          "UAPI get on spnfake0 got no answer in 300 ms (wireguard-go hung? its socket is "
              + path
              + ")",
          e.getMessage());
    }
  }

  @Test
  void parseGet_malformedPrivateKeyLine_errorHasNoKeyAndNoCause() {
    String hex = privateKey.hex();
    WireGuardException e =
        assertThrows(
            WireGuardException.class,
            () -> Uapi.parseGet("private_key=" + hex.substring(0, 40) + "zz\nerrno=0\n\n"));
    assertEquals(
        "UAPI get response has an unusable private_key line (42 characters)", e.getMessage());
    assertEquals(null, e.getCause());
    assertFalse(everything(e).contains(hex.substring(0, 40)));
  }

  @Test
  void redact_hidesPrivateAndPresharedValuesWhereverTheyStand() {
    String hex = privateKey.hex();
    assertEquals(
        "set=1\nprivate_key=<redacted>\nlisten_port=1\npreshared_key=<redacted>\npublic_key=ab\n",
        Uapi.redact(
            "set=1\nprivate_key="
                + hex
                + "\nlisten_port=1\npreshared_key="
                + presharedKey.hex()
                + "\npublic_key=ab\n"));
    assertEquals(
        "a | private_key=<redacted> | failed to parse \"preshared_key: <redacted>\"",
        Uapi.redact(
            "a | private_key=" + hex + " | failed to parse \"preshared_key: " + hex + "\""));
  }

  @Test
  void toString_ofKeyHoldersShowsNoPrivateKey() {
    HostKeys keys = new HostKeys(privateKey, HostKeys.publicOf(privateKey));
    DeviceState state = new DeviceState(Optional.of(privateKey), 51820, Map.of());
    assertNoSecret(keys.toString() + state);
    assertTrue(keys.toString().contains(keys.publicKey().base64()));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new WgKey(privateKey.base64() + "!"));
    assertNoSecret(e.getMessage());
  }

  @Test
  void configure_invalidListenPortOnRealWireGuardGo_errorAndLogsHaveNoKey() throws Exception {
    Privileges.requireKernelAndTools("ip", "nsenter", "wireguard-go");
    String tag = HexFormat.of().formatHex(java.security.SecureRandom.getSeed(2));
    String ns = "spnu" + tag;
    String name = "spnu" + tag + "w";
    Path wgLog = dir.resolve("wg.log");
    try (Topology topo = new Topology()) {
      topo.netns(ns);
      String logged =
          captureStderr(
              () -> {
                WireGuardGoDevice dev =
                    WireGuardGoDevice.openOrStart(name, Netns.named(ns), wgLog, 1420);
                dev.process().ifPresent(topo::process);
                topo.onClose(dev::destroy);

                WireGuardException port =
                    assertThrows(WireGuardException.class, () -> dev.configure(privateKey, 70000));
                assertTrue(
                    port.getMessage()
                        .startsWith(
                            "UAPI set private_key/listen_port on " + name + " returned errno=-22"),
                    port.getMessage());
                logLikeTheReconcileLoop(port);

                // A line wireguard-go cannot parse, after the key: EPROTO.
                UapiSocket raw =
                    new UapiSocket(name, WireGuardGoDevice.SOCKET_DIR.resolve(name + ".sock"));
                WireGuardException line =
                    assertThrows(
                        WireGuardException.class,
                        () ->
                            raw.exchange(
                                "set private_key",
                                "set=1\nprivate_key=" + privateKey.hex() + "\nbogus\n\n"));
                assertTrue(line.getMessage().contains("errno=-71 (EPROTO"), line.getMessage());
                logLikeTheReconcileLoop(line);

                // The key did get set (the first line applied): a get returns it, and neither the
                // state nor its logging shows it.
                DeviceState state = dev.state();
                assertTrue(state.privateKey().isPresent());
                log.info("device state {}", state);
              });
      assertNoSecret(logged);
      assertTrue(logged.contains("errno=-22") && logged.contains("errno=-71"), logged);
      // wireguard-go's own log (whose tail goes into start errors) names the failures, not the key.
      String wgText = Files.readString(wgLog);
      assertTrue(wgText.contains("failed to parse line \"bogus\""), wgText);
      assertNoSecret(wgText);
    }
  }

  /** As ReconcileLoop logs a failed pass (the message), and with the whole stack trace. */
  private static void logLikeTheReconcileLoop(Exception e) {
    log.warn("reconcile pass failed error={}", e.toString());
    log.warn("reconcile step failed", e);
  }

  private void assertNoSecret(String text) {
    for (WgKey k : List.of(privateKey, presharedKey)) {
      assertFalse(text.contains(k.hex()), "hex key in: " + text);
      assertFalse(text.contains(k.base64()), "base64 key in: " + text);
      assertFalse(text.contains(k.hex().substring(0, 16)), "part of a key in: " + text);
    }
  }

  /** The message, every cause's and the stack trace: all a logger could print. */
  private static String everything(Throwable e) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    e.printStackTrace(new PrintStream(out, true, StandardCharsets.UTF_8));
    return out.toString(StandardCharsets.UTF_8);
  }

  /**
   * Runs {@code body} with System.err also copied into a buffer (slf4j-simple writes there) and
   * returns what was written.
   */
  private static String captureStderr(ThrowingRunnable body) throws Exception {
    PrintStream original = System.err;
    ByteArrayOutputStream copy = new ByteArrayOutputStream();
    PrintStream tee =
        new PrintStream(
            new OutputStream() {
              @Override
              public void write(int b) {
                original.write(b);
                copy.write(b);
              }

              @Override
              public void write(byte[] b, int off, int len) {
                original.write(b, off, len);
                copy.write(b, off, len);
              }
            },
            true,
            StandardCharsets.UTF_8);
    System.setErr(tee);
    try {
      body.run();
    } finally {
      System.setErr(original);
    }
    return copy.toString(StandardCharsets.UTF_8);
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  /**
   * A unix socket that answers one request with {@code response}, as a misbehaving or hostile
   * device might.
   */
  private Fake fakeDevice(String response) throws Exception {
    Path path = dir.resolve("fake.sock");
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(path));
    CompletableFuture<String> request = new CompletableFuture<>();
    Thread.ofVirtual()
        .start(
            () -> {
              try (server;
                  SocketChannel ch = server.accept()) {
                ByteBuffer buf = ByteBuffer.allocate(4096);
                StringBuilder got = new StringBuilder();
                while (got.indexOf("\n\n") < 0 && ch.read(buf.clear()) > 0) {
                  got.append(StandardCharsets.US_ASCII.decode(buf.flip()));
                }
                ch.write(ByteBuffer.wrap(response.getBytes(StandardCharsets.US_ASCII)));
                request.complete(got.toString());
              } catch (Exception e) {
                request.completeExceptionally(e);
              }
            });
    return new Fake(new UapiSocket("spnfake0", path), request);
  }

  /** The fake's socket and the request it received. */
  private record Fake(UapiSocket uapi, CompletableFuture<String> request) {}
}
