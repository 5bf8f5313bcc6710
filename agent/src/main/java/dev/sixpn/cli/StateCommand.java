package dev.sixpn.cli;

import dev.sixpn.projector.consume.LifecycleProjector;
import dev.sixpn.projector.consume.ProjectorConfig;
import dev.sixpn.projector.metrics.ProjectorMetrics;
import dev.sixpn.projector.store.StateStore;
import dev.sixpn.publish.BrokerCheck;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "state",
    mixinStandardHelpOptions = true,
    description = "Reads or rebuilds a host's projected state (RocksDB).",
    subcommands = {StateCommand.Dump.class, StateCommand.Rebuild.class})
final class StateCommand implements Runnable {

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "dump or rebuild is required");
  }

  @Command(
      name = "dump",
      mixinStandardHelpOptions = true,
      description = "Prints the state as JSON, by network. Works while the agent runs (read-only).")
  static final class Dump implements Callable<Integer> {
    @Option(
        names = "--data-dir",
        defaultValue = "var/state",
        description = "State store directory (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--network", description = "Only this network.")
    Long network;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      try (StateStore store = StateStore.openReadOnly(dataDir)) {
        spec.commandLine().getOut().println(StateDump.toJson(store, network));
      }
      return 0;
    }
  }

  @Command(
      name = "rebuild",
      mixinStandardHelpOptions = true,
      description = "Deletes the state and replays the whole log into it, then exits.")
  static final class Rebuild implements Callable<Integer> {
    @Option(
        names = "--data-dir",
        defaultValue = "var/state",
        description = "State store directory (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @picocli.CommandLine.Mixin KafkaOptions kafka;

    @Option(
        names = "--timeout",
        defaultValue = "PT10M",
        description = "Give up after this long, ISO-8601 (default: 10 min).")
    Duration timeout;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
      Map<String, Object> overrides = kafka.clientOverrides();
      BrokerCheck.requireReachable(kafka.bootstrap, overrides, Duration.ofSeconds(10));
      StateStore.destroy(dataDir);
      long start = System.nanoTime();
      ProjectorMetrics metrics = new ProjectorMetrics(new PrometheusRegistry());
      try (StateStore store = StateStore.open(dataDir);
          LifecycleProjector projector =
              new LifecycleProjector(
                  ProjectorConfig.of(kafka.bootstrap, kafka.topic).withKafkaOverrides(overrides),
                  store,
                  metrics)) {
        if (!projector.catchUp(timeout)) {
          spec.commandLine()
              .getErr()
              .println(
                  "sixpn state rebuild: not caught up after "
                      + timeout
                      + "; run it again to continue");
          return 1;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        spec.commandLine()
            .getOut()
            .printf(
                "rebuilt %s: %d events folded, %d quarantined in %.1f s; digest %s%n",
                dataDir,
                metrics.foldedTotal(),
                metrics.quarantinedTotal(),
                seconds,
                store.digest());
      }
      return 0;
    }
  }
}
