package dev.sixpn.dns.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.sixpn.dns.testing.Requires;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The offsets and constants the UDP engine hard-codes, against the C headers as the compiler sees
 * them: a small C program prints offsetof/sizeof and the constants, this test compares. Needs a C
 * compiler and libc headers (scripts/install-deps.sh installs clang and libc6-dev); skipped with
 * the reason printed without them, failed under CI=true.
 */
class StructLayoutTest {

  private static final String PROGRAM =
      """
      #define _GNU_SOURCE
      #include <stddef.h>
      #include <stdio.h>
      #include <sys/socket.h>
      #include <netinet/in.h>
      #define P(name, v) printf("%s=%ld\\n", name, (long) (v))
      int main(void) {
        P("sizeof_mmsghdr", sizeof(struct mmsghdr));
        P("msg_name", offsetof(struct mmsghdr, msg_hdr.msg_name));
        P("msg_namelen", offsetof(struct mmsghdr, msg_hdr.msg_namelen));
        P("msg_iov", offsetof(struct mmsghdr, msg_hdr.msg_iov));
        P("msg_iovlen", offsetof(struct mmsghdr, msg_hdr.msg_iovlen));
        P("msg_flags", offsetof(struct mmsghdr, msg_hdr.msg_flags));
        P("msg_len", offsetof(struct mmsghdr, msg_len));
        P("sizeof_iovec", sizeof(struct iovec));
        P("iov_len", offsetof(struct iovec, iov_len));
        P("sizeof_sockaddr_in6", sizeof(struct sockaddr_in6));
        P("sin6_port", offsetof(struct sockaddr_in6, sin6_port));
        P("sin6_addr", offsetof(struct sockaddr_in6, sin6_addr));
        P("sin6_scope_id", offsetof(struct sockaddr_in6, sin6_scope_id));
        P("sizeof_sockaddr_in", sizeof(struct sockaddr_in));
        P("sin_port", offsetof(struct sockaddr_in, sin_port));
        P("sin_addr", offsetof(struct sockaddr_in, sin_addr));
        P("AF_INET", AF_INET);
        P("AF_INET6", AF_INET6);
        P("SOCK_DGRAM", SOCK_DGRAM);
        P("SOCK_CLOEXEC", SOCK_CLOEXEC);
        P("SOL_SOCKET", SOL_SOCKET);
        P("SO_SNDBUF", SO_SNDBUF);
        P("SO_RCVBUF", SO_RCVBUF);
        P("SO_REUSEPORT", SO_REUSEPORT);
        P("MSG_TRUNC", MSG_TRUNC);
        P("MSG_WAITFORONE", MSG_WAITFORONE);
        P("SHUT_RDWR", SHUT_RDWR);
        return 0;
      }
      """;

  @TempDir static Path dir;
  private static Map<String, Long> c;

  @BeforeAll
  static void compile() throws Exception {
    Path cc = Path.of("/usr/bin/clang");
    if (!Files.isExecutable(cc)) {
      cc = Path.of("/usr/bin/cc");
    }
    Requires.that(
        Files.isExecutable(cc) && Files.exists(Path.of("/usr/include/stdio.h")),
        "no C compiler or libc headers (scripts/install-deps.sh installs them)");
    Path src = dir.resolve("layout.c");
    Path bin = dir.resolve("layout");
    Files.writeString(src, PROGRAM);
    run(cc.toString(), "-O0", "-o", bin.toString(), src.toString());
    c = new HashMap<>();
    for (String line : run(bin.toString()).split("\n")) {
      String[] kv = line.split("=");
      c.put(kv[0], Long.parseLong(kv[1]));
    }
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      fail(String.join(" ", command) + " failed:\n" + out);
    }
    return out;
  }

  @Test
  void mmsghdr_matchesCStruct() {
    assertEquals(c.get("sizeof_mmsghdr"), DatagramVector.MMSGHDR_BYTES);
    assertEquals(c.get("msg_name"), DatagramVector.MSG_NAME);
    assertEquals(c.get("msg_namelen"), DatagramVector.MSG_NAMELEN);
    assertEquals(c.get("msg_iov"), DatagramVector.MSG_IOV);
    assertEquals(c.get("msg_iovlen"), DatagramVector.MSG_IOVLEN);
    assertEquals(c.get("msg_flags"), DatagramVector.MSG_FLAGS);
    assertEquals(c.get("msg_len"), DatagramVector.MSG_LEN);
    assertEquals(c.get("sizeof_iovec"), DatagramVector.IOVEC_BYTES);
    assertEquals(c.get("iov_len"), DatagramVector.IOV_LEN);
  }

  @Test
  void sockaddr_matchesCStruct() {
    assertEquals(c.get("sizeof_sockaddr_in6"), (long) Sockaddr.MAX_BYTES);
    assertEquals(c.get("sin6_port"), 2L);
    assertEquals(c.get("sin6_addr"), 8L);
    assertEquals(c.get("sin6_scope_id"), 24L);
    assertEquals(c.get("sizeof_sockaddr_in"), (long) Sockaddr.IN_BYTES);
    assertEquals(c.get("sin_port"), 2L);
    assertEquals(c.get("sin_addr"), 4L);
  }

  @Test
  void constants_matchHeaders() {
    assertEquals(c.get("AF_INET"), (long) Libc.AF_INET);
    assertEquals(c.get("AF_INET6"), (long) Libc.AF_INET6);
    assertEquals(c.get("SOCK_DGRAM"), (long) Libc.SOCK_DGRAM);
    assertEquals(c.get("SOCK_CLOEXEC"), (long) Libc.SOCK_CLOEXEC);
    assertEquals(c.get("SOL_SOCKET"), (long) Libc.SOL_SOCKET);
    assertEquals(c.get("SO_SNDBUF"), (long) Libc.SO_SNDBUF);
    assertEquals(c.get("SO_RCVBUF"), (long) Libc.SO_RCVBUF);
    assertEquals(c.get("SO_REUSEPORT"), (long) Libc.SO_REUSEPORT);
    assertEquals(c.get("MSG_TRUNC"), (long) Libc.MSG_TRUNC);
    assertEquals(c.get("MSG_WAITFORONE"), (long) Libc.MSG_WAITFORONE);
    assertEquals(c.get("SHUT_RDWR"), (long) Libc.SHUT_RDWR);
  }
}
