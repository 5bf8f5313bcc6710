package dev.sixpn.cli;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.events.Port;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * What an {@code instance.started} says about the instance, the options of {@code publish
 * instance-start} and of {@code run} alike: both make the instance number at random and keep no
 * state (orchestration allocates for real).
 */
final class InstanceOptions {

  private static final SecureRandom RANDOM = new SecureRandom();

  @Option(names = "--network", required = true, description = "Network id, 1..4294967295.")
  long network;

  @Option(names = "--app", required = true, description = "App name, a DNS label.")
  String app;

  @Option(names = "--host", required = true, description = "Host id, 1..4294967295.")
  long host;

  @Option(names = "--region", required = true, description = "Region, a DNS label (e.g. nrt).")
  String region;

  @Option(
      names = "--instance-id",
      description = "Instance id, a DNS label (default: 14 random hex digits).")
  String instanceId;

  @Option(
      names = "--process-group",
      defaultValue = "app",
      description = "Process group (default: ${DEFAULT-VALUE}).")
  String processGroup;

  @Option(
      names = "--meta",
      description = "Metadata key=value, repeatable: the user's labels, no meaning to sixpn.")
  Map<String, String> metadata = new LinkedHashMap<>();

  @Option(
      names = "--host-access",
      description = "Let the instance reach its host's own address (default: it cannot).")
  boolean hostAccess;

  @Option(
      names = "--port",
      paramLabel = "name=port[/tcp|udp]",
      description =
          "A named port, repeatable (tcp unless /udp): SRV _<name>._<protocol>.<app>.internal.")
  List<String> ports = new ArrayList<>();

  /** {@code --instance-id}, or 14 random hex digits. */
  String instanceId() {
    if (instanceId != null) {
      return instanceId;
    }
    byte[] b = new byte[7];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** An instance address in the network on the host with a random instance number. */
  SixpnAddress randomAddress() {
    return SixpnAddress.ofInstance(network & 0xffff_ffffL, host & 0xffff_ffffL, randomNumber());
  }

  /** A random instance (or peer) number, never 0 or 0xffffffff. */
  static long randomNumber() {
    return 1 + (RANDOM.nextLong() & 0x7fff_ffffL) % 0xffff_fffeL;
  }

  /** The parsed {@code --port} options; a bad one is a usage error naming it. */
  List<Port> parsedPorts() {
    List<Port> out = new ArrayList<>();
    for (String p : ports) {
      try {
        out.add(Port.parse(p));
      } catch (IllegalArgumentException e) {
        throw new SixpnCommand.UsageException("--port: " + e.getMessage());
      }
    }
    return out;
  }
}
