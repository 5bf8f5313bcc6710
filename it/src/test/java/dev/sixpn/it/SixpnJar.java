package dev.sixpn.it;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The assembled jar ({@code -Dsixpn.jar}), started as {@code ./sixpn} starts it. */
final class SixpnJar {

  static final Path JAR = Path.of(System.getProperty("sixpn.jar"));

  private SixpnJar() {}

  /**
   * This JVM's java with what sixpn needs (RocksDB's and the dataplane's native access, Netty's
   * Unsafe), then {@code jvmOptions}, {@code -jar} and the jar: append the CLI's arguments.
   */
  static List<String> command(String... jvmOptions) {
    List<String> argv = new ArrayList<>();
    argv.add(ProcessHandle.current().info().command().orElse("java"));
    argv.add("--enable-native-access=ALL-UNNAMED");
    argv.add("--sun-misc-unsafe-memory-access=allow");
    argv.addAll(List.of(jvmOptions));
    argv.add("-jar");
    argv.add(JAR.toString());
    return argv;
  }
}
