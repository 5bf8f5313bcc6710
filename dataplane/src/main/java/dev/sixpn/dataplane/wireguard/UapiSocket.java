package dev.sixpn.dataplane.wireguard;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One UAPI request and its response over a device's unix socket. Errors name the device, the
 * operation and the errno with a hint, never the request or the response: both can hold the private
 * key.
 *
 * @param device the interface name, for messages
 * @param timeout how long one exchange may take before the connection is closed
 */
record UapiSocket(String device, Path socket, Duration timeout) {

  /** wireguard-go answers in well under a millisecond; a hung one must not hang the pass. */
  static final Duration TIMEOUT = Duration.ofSeconds(10);

  UapiSocket(String device, Path socket) {
    this(device, socket, TIMEOUT);
  }

  /** Whether something accepts connections on the socket (wireguard-go is up). */
  boolean reachable() {
    if (!Files.exists(socket)) {
      return false;
    }
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Sends {@code request} and returns the response, which ended with {@code errno=0}.
   *
   * @param operation what the request does, for messages: {@code get}, {@code set listen_port},
   *     {@code set peer <public key>}; never a private value
   */
  String exchange(String operation, String request) {
    String response;
    CompletableFuture<Void> watchdog = null;
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      // A blocking channel has no read timeout; closing it wakes the blocked read.
      watchdog =
          CompletableFuture.runAsync(
              () -> closeQuietly(ch),
              CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS));
      ch.connect(UnixDomainSocketAddress.of(socket));
      ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
      while (out.hasRemaining()) {
        ch.write(out);
      }
      response = readResponse(ch);
    } catch (AsynchronousCloseException e) {
      throw new WireGuardException(
          "UAPI "
              + operation
              + " on "
              + device
              + " got no answer in "
              + timeout.toMillis()
              + " ms (wireguard-go hung? its socket is "
              + socket
              + ")",
          e);
    } catch (IOException e) {
      // The socket layer's message names the path and the failure, never the data.
      throw new WireGuardException(
          "UAPI "
              + operation
              + " on "
              + device
              + " failed: "
              + e.getMessage()
              + " (is wireguard-go running? its socket is "
              + socket
              + ")",
          e);
    } finally {
      if (watchdog != null) {
        watchdog.cancel(false);
      }
    }
    int errno;
    try {
      errno = Uapi.errno(response);
    } catch (WireGuardException e) {
      throw new WireGuardException("UAPI " + operation + " on " + device + ": " + e.getMessage());
    }
    if (errno != 0) {
      throw new WireGuardException(
          "UAPI "
              + operation
              + " on "
              + device
              + " returned errno="
              + errno
              + " ("
              + Uapi.meaning(errno)
              + "; wireguard-go logs which line; a set is not transactional: earlier lines may be"
              + " applied, and the next reconcile converges)");
    }
    return response;
  }

  private static void closeQuietly(SocketChannel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      // closing is all the watchdog does; the reader reports the failure
    }
  }

  /**
   * Reads until the response's end, {@code errno=N} and an empty line. Linear in the response: a
   * {@code get} of a 10,000-peer device is megabytes, so each read looks only at the bytes it added
   * (the end marker is the last line), never at the whole buffer again.
   */
  private static String readResponse(SocketChannel ch) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    while (true) {
      if (!buf.hasRemaining()) {
        buf = ByteBuffer.allocate(buf.capacity() * 2).put(buf.flip());
      }
      if (ch.read(buf) < 0 || Uapi.complete(buf.array(), buf.position())) {
        break;
      }
    }
    return new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII);
  }
}
