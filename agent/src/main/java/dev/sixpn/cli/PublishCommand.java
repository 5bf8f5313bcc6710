package dev.sixpn.cli;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.events.EventCodec;
import dev.sixpn.events.Events;
import dev.sixpn.events.HealthStatus;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.publish.LifecyclePublisher;
import dev.sixpn.publish.progress.PropagationFence;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.RecordMetadata;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code sixpn publish <event>}: publishes one lifecycle event, as orchestration would. The event
 * is built and validated before anything connects, so a bad argument publishes nothing.
 */
@Command(
    name = "publish",
    mixinStandardHelpOptions = true,
    description = "Publishes one lifecycle event to the sixpn.lifecycle topic.",
    subcommands = {
      PublishCommand.NetworkCreate.class,
      PublishCommand.NetworkDelete.class,
      PublishCommand.AppCreate.class,
      PublishCommand.AppDelete.class,
      PublishCommand.HostJoin.class,
      PublishCommand.HostLeave.class,
      PublishCommand.InstanceStart.class,
      PublishCommand.InstanceStop.class,
      PublishCommand.InstanceDestroy.class,
      PublishCommand.InstanceHealth.class
    })
final class PublishCommand implements Runnable {

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "an event type is required");
  }

  /** Options every publish command takes. */
  static final class Target {
    @Mixin KafkaOptions kafka;

    @Option(
        names = "--partitions",
        defaultValue = "12",
        description = "Partitions if the topic must be created (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(
        names = "--timeout",
        defaultValue = "PT10S",
        description =
            "How long to wait for the broker, and with --wait for every host, ISO-8601 (default:"
                + " 10 s).")
    Duration timeout;

    @Option(
        names = "--wait",
        description =
            "Return once every host that has joined and not left has applied the event (its"
                + " agent's progress record); on --timeout, name the hosts that have not and exit"
                + " 1.")
    boolean await;

    @Option(names = "--event-id", description = "Event id (default: a fresh UUID).")
    String eventId;

    String eventId() {
      return eventId == null ? Events.newEventId() : eventId;
    }

    int publish(LifecycleEvent event, java.io.PrintWriter out, java.io.PrintWriter err)
        throws Exception {
      if (partitions < 1) {
        throw new SixpnCommand.UsageException("--partitions must be ≥ 1, got " + partitions);
      }
      try (LifecyclePublisher publisher =
          LifecyclePublisher.connect(
              kafka.bootstrap, kafka.clientOverrides(), kafka.topic, partitions, timeout)) {
        RecordMetadata m = publisher.publish(event).get();
        out.println(new String(EventCodec.encode(event), StandardCharsets.UTF_8));
        out.println(
            "published "
                + event.type().wireName()
                + " to "
                + m.topic()
                + "-"
                + m.partition()
                + "@"
                + m.offset());
        out.flush();
        return await ? awaitFence(m, out, err) : 0;
      }
    }

    private int awaitFence(RecordMetadata m, java.io.PrintWriter out, java.io.PrintWriter err)
        throws Exception {
      PropagationFence.Result r =
          PropagationFence.await(
              kafka.bootstrap,
              kafka.clientOverrides(),
              kafka.topic,
              m.partition(),
              m.offset(),
              timeout);
      String seconds = String.format(java.util.Locale.ROOT, "%.2f", r.waited().toNanos() / 1e9);
      if (r.passed()) {
        out.println(
            "applied by every live host ("
                + r.live().size()
                + "): "
                + hostList(r.live())
                + " in "
                + seconds
                + " s");
        return 0;
      }
      java.util.List<String> behind = new ArrayList<>();
      for (long h : r.stragglers()) {
        Long next = r.next().get(h);
        behind.add(
            "host "
                + h
                + (next == null ? " (no progress reported)" : " (next offset " + next + ")"));
      }
      err.println(
          "sixpn publish: not applied within "
              + seconds
              + " s by "
              + r.stragglers().size()
              + " of "
              + r.live().size()
              + " live host(s): "
              + String.join(", ", behind));
      return 1;
    }

    private static String hostList(java.util.Set<Long> hosts) {
      return hosts.isEmpty()
          ? "none"
          : String.join(", ", hosts.stream().map(h -> "host " + h).toList());
    }
  }

  /** Base of each event command: builds the event, then publishes it. */
  abstract static class EventCommand implements Callable<Integer> {
    @Mixin Target target;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    abstract LifecycleEvent event(String eventId, Instant now);

    @Override
    public Integer call() throws Exception {
      LifecycleEvent event = event(target.eventId(), Instant.now());
      return target.publish(event, spec.commandLine().getOut(), spec.commandLine().getErr());
    }
  }

  @Command(
      name = "network-create",
      mixinStandardHelpOptions = true,
      description = "An organization's network was created.")
  static final class NetworkCreate extends EventCommand {
    @Option(names = "--network", required = true, description = "Network id, 1..4294967295.")
    long network;

    @Option(names = "--name", description = "Organization name.")
    String name;

    @Override
    LifecycleEvent event(String id, Instant now) {
      return new LifecycleEvent.NetworkCreated(id, now, network, name);
    }
  }

  @Command(
      name = "network-delete",
      mixinStandardHelpOptions = true,
      description = "A network and everything in it was deleted.")
  static final class NetworkDelete extends EventCommand {
    @Option(names = "--network", required = true, description = "Network id.")
    long network;

    @Override
    LifecycleEvent event(String id, Instant now) {
      return new LifecycleEvent.NetworkDeleted(id, now, network);
    }
  }

  @Command(
      name = "app-create",
      mixinStandardHelpOptions = true,
      description = "An app was created in a network.")
  static final class AppCreate extends EventCommand {
    @Mixin RefOptions.App ref;

    @Override
    LifecycleEvent event(String id, Instant now) {
      return new LifecycleEvent.AppCreated(id, now, ref.network, ref.app);
    }
  }

  @Command(
      name = "app-delete",
      mixinStandardHelpOptions = true,
      description = "An app and its instances were deleted.")
  static final class AppDelete extends EventCommand {
    @Mixin RefOptions.App ref;

    @Override
    LifecycleEvent event(String id, Instant now) {
      return new LifecycleEvent.AppDeleted(id, now, ref.network, ref.app);
    }
  }

  @Command(
      name = "host-join",
      mixinStandardHelpOptions = true,
      description = "A physical host joined the mesh.")
  static final class HostJoin extends EventCommand {
    @Option(names = "--host", required = true, description = "Host id, 1..4294967295.")
    long host;

    @Option(names = "--region", required = true, description = "Region, a DNS label (e.g. nrt).")
    String region;

    @Option(names = "--lat", required = true, description = "Latitude of the region, degrees.")
    double latitude;

    @Option(names = "--lon", required = true, description = "Longitude of the region, degrees.")
    double longitude;

    @Option(names = "--public-key", required = true, description = "WireGuard public key, base64.")
    String publicKey;

    @Option(
        names = "--endpoint",
        required = true,
        description = "Underlay endpoint ip:port or [ipv6]:port.")
    String endpoint;

    @Override
    LifecycleEvent event(String id, Instant now) {
      return new LifecycleEvent.HostJoined(
          id, now, host, region, latitude, longitude, publicKey, endpoint);
    }
  }

  @Command(
      name = "host-leave",
      mixinStandardHelpOptions = true,
      description = "A host left the mesh.")
  static final class HostLeave extends EventCommand {
    @Option(names = "--host", required = true, description = "Host id.")
    long host;

    @Override
    LifecycleEvent event(String id, Instant now) {
      return new LifecycleEvent.HostLeft(id, now, host);
    }
  }

  @Command(
      name = "instance-start",
      mixinStandardHelpOptions = true,
      description = {
        "An instance started. Without --address one is allocated in the network on the host"
            + " (a random instance number: this command keeps no state; orchestration allocates for real)."
      })
  static final class InstanceStart extends EventCommand {
    @Mixin InstanceOptions instance;

    @Option(names = "--address", description = "6PN address (default: allocated).")
    String address;

    @Override
    LifecycleEvent event(String id, Instant now) {
      InstanceOptions i = instance;
      return new LifecycleEvent.InstanceStarted(
          id,
          now,
          i.instanceId(),
          i.network,
          i.app,
          i.processGroup,
          i.host,
          i.region,
          address != null ? SixpnAddress.parse(address) : i.randomAddress(),
          i.metadata,
          i.hostAccess,
          i.parsedPorts());
    }
  }

  @Command(
      name = "instance-stop",
      mixinStandardHelpOptions = true,
      description = "An instance stopped (it stays in the all. names).")
  static final class InstanceStop extends EventCommand {
    @Mixin RefOptions.Instance ref;

    @Override
    LifecycleEvent event(String id, Instant now) {
      return new LifecycleEvent.InstanceStopped(
          id, now, ref.instanceId, ref.app.network, ref.app.app);
    }
  }

  @Command(
      name = "instance-destroy",
      mixinStandardHelpOptions = true,
      description = "An instance was destroyed (gone from every name).")
  static final class InstanceDestroy extends EventCommand {
    @Mixin RefOptions.Instance ref;

    @Override
    LifecycleEvent event(String id, Instant now) {
      return new LifecycleEvent.InstanceDestroyed(
          id, now, ref.instanceId, ref.app.network, ref.app.app);
    }
  }

  @Command(
      name = "instance-health",
      mixinStandardHelpOptions = true,
      description =
          "The latest status of one health check of an instance: its app's names answer it only"
              + " while none of its checks is critical.")
  static final class InstanceHealth extends EventCommand {
    @Mixin RefOptions.Instance ref;

    @Option(names = "--check", required = true, description = "The check's name, a DNS label.")
    String check;

    @Option(
        names = "--status",
        required = true,
        description = "passing, warning (still answered) or critical (not answered).")
    String status;

    @Override
    LifecycleEvent event(String id, Instant now) {
      return new LifecycleEvent.InstanceHealth(
          id,
          now,
          ref.instanceId,
          ref.app.network,
          ref.app.app,
          check,
          HealthStatus.parse("--status", status));
    }
  }
}
