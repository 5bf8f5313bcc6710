package dev.sixpn.cli;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.dataplane.reconcile.PeerGateway;
import dev.sixpn.dataplane.wireguard.HostKeys;
import dev.sixpn.dataplane.wireguard.WgKey;
import dev.sixpn.events.Endpoint;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.projector.store.StateStore;
import dev.sixpn.state.Host;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code sixpn peer create|remove}: WireGuard peers outside the fleet (a laptop, a CI job), as
 * {@code fly wireguard create} makes them. The key pair is made here and the private key never
 * leaves this machine: only the public key is published.
 */
@Command(
    name = "peer",
    mixinStandardHelpOptions = true,
    description = "WireGuard peers outside the fleet: a laptop or a CI job in a network.",
    subcommands = {PeerCommand.Create.class, PeerCommand.Remove.class})
final class PeerCommand implements Runnable {

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "create or remove is required");
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = {
        "Makes a key pair, publishes peer.created and prints the peer's wg-quick configuration"
            + " (to --out, mode 0600, or stdout). The gateway's key and endpoint come from its"
            + " host.joined, read from a host's state (--data-dir) unless given."
      })
  static final class Create implements Callable<Integer> {

    @Mixin PublishCommand.Target target;

    @Option(names = "--network", required = true, description = "Network id.")
    long network;

    @Option(names = "--name", required = true, description = "Peer name, a DNS label.")
    String name;

    @Option(names = "--gateway", required = true, description = "Gateway host id.")
    long gateway;

    @Option(
        names = "--gateway-public-key",
        description = "The gateway host's WireGuard public key (default: from --data-dir).")
    String gatewayKey;

    @Option(
        names = "--gateway-endpoint",
        paramLabel = "IP:PORT",
        description =
            "The gateway host's endpoint as in its host.joined (default: from --data-dir); peers"
                + " use the port above it.")
    String gatewayEndpoint;

    @Option(
        names = "--data-dir",
        defaultValue = "var/state",
        description = "A host's state store, read-only (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--out", description = "Write the configuration here (mode 0600).")
    Path out;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      Optional<Host> known = Optional.empty();
      if (gatewayKey == null || gatewayEndpoint == null) {
        if (!Files.isDirectory(dataDir)) {
          throw new SixpnCommand.UsageException(
              "--gateway-public-key and --gateway-endpoint are required without a state store"
                  + " (--data-dir "
                  + dataDir
                  + " does not exist)");
        }
        try (StateStore store = StateStore.openReadOnly(dataDir)) {
          known = store.state().host(gateway);
        }
        if (known.isEmpty()) {
          throw new SixpnCommand.UsageException(
              "--gateway: host " + gateway + " has not joined (no host.joined in " + dataDir + ")");
        }
      }
      String key = gatewayKey != null ? gatewayKey : known.get().wireguardPublicKey();
      try {
        new WgKey(key);
      } catch (IllegalArgumentException e) {
        throw new SixpnCommand.UsageException("--gateway-public-key: " + e.getMessage());
      }
      Endpoint mesh =
          Endpoint.parse(gatewayEndpoint != null ? gatewayEndpoint : known.get().endpoint());
      HostKeys keys = HostKeys.generate();
      // A random number: no instance can have it (another role), and another peer only with a
      // chance of 2^-32 per peer of the network on that host, which the fold then refuses.
      SixpnAddress address =
          SixpnAddress.ofPeer(
              network & 0xffff_ffffL, gateway & 0xffff_ffffL, InstanceOptions.randomNumber());
      LifecycleEvent.PeerCreated event =
          new LifecycleEvent.PeerCreated(
              target.eventId(),
              Instant.now(),
              network,
              name,
              keys.publicKey().base64(),
              gateway,
              address);
      String config =
          new WgQuickConfig(keys.privateKey().base64(), address, key, PeerGateway.endpointOf(mesh))
              .render();
      if (out != null) {
        write(out, config);
      }
      // The event and its offset on stderr: stdout is the configuration alone.
      target.publish(event, spec.commandLine().getErr(), spec.commandLine().getErr());
      if (out == null) {
        spec.commandLine().getOut().print(config);
      } else {
        spec.commandLine().getErr().println("wrote " + out);
      }
      return 0;
    }

    private static void write(Path file, String text) throws IOException {
      Files.deleteIfExists(file);
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, text, StandardCharsets.US_ASCII);
    }
  }

  @Command(
      name = "remove",
      mixinStandardHelpOptions = true,
      description = "Publishes peer.removed: the gateway stops accepting the peer.")
  static final class Remove implements Callable<Integer> {
    @Mixin PublishCommand.Target target;

    @Option(names = "--network", required = true, description = "Network id.")
    long network;

    @Option(names = "--name", required = true, description = "Peer name.")
    String name;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      return target.publish(
          new LifecycleEvent.PeerRemoved(target.eventId(), Instant.now(), network, name),
          spec.commandLine().getOut(),
          spec.commandLine().getErr());
    }
  }
}
