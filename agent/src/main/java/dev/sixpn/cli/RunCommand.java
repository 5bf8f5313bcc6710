package dev.sixpn.cli;

import dev.sixpn.agent.health.HealthCheck;
import dev.sixpn.agent.health.HealthMonitor;
import dev.sixpn.agent.run.InstanceRuntime;
import dev.sixpn.dataplane.link.Netns;
import dev.sixpn.dataplane.link.NetnsExecutor;
import dev.sixpn.demo.Shell;
import dev.sixpn.events.Events;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.publish.LifecyclePublisher;
import dev.sixpn.publish.LifecycleTopic;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sixpn run}: the instance runtime for anyone without an orchestrator. Makes the instance
 * ({@link InstanceRuntime}), runs the command inside it in the foreground, passes its exit status
 * through, and removes the instance when the command exits or this process is told to stop
 * (SIGTERM, SIGINT: forwarded to the command as SIGTERM first).
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Runs CMD as a new instance of an app: its own network namespace and 6PN address, reachable"
          + " by name in .internal once the host's agent has it.",
      "Publishes instance.started; when CMD exits, or on SIGTERM or SIGINT (forwarded to CMD),"
          + " publishes instance.stopped, removes the instance and publishes instance.destroyed."
          + " Exits with CMD's status. Needs root.",
      "Inside, CMD sees SIXPN_PRIVATE_IP, SIXPN_APP, SIXPN_REGION and SIXPN_INSTANCE_ID.",
      "With --check, the instance is in its app's names only while no check is critical: each"
          + " check starts critical and its status is published (instance.health) when it"
          + " changes.",
      "Example:",
      "  sixpn run --app redis-bagel-43 --network 1 --host 7 --region nrt --",
      "      sh -c 'exec redis-server --bind $SIXPN_PRIVATE_IP'"
    })
final class RunCommand implements Callable<Integer> {

  /** How long the command has to exit after the forwarded SIGTERM before it is killed. */
  private static final Duration STOP_GRACE = Duration.ofSeconds(10);

  /** The exit status of a process ended by SIGTERM. */
  private static final int TERMINATED = 128 + 15;

  @Mixin KafkaOptions kafka;

  @Mixin InstanceOptions options;

  @Option(
      names = "--host-netns",
      description =
          "Run on the simulated host whose network namespace this is (the demo's hosts): the"
              + " host-side link goes there and Kafka is reached from there (default: this"
              + " namespace).")
  String hostNetns;

  @Option(
      names = "--resolver-wait",
      defaultValue = "PT10S",
      description =
          "How long to wait for the agent to write the instance's resolver files before"
              + " starting CMD anyway, ISO-8601 (default: 10 s).")
  Duration resolverWait;

  @Option(
      names = "--timeout",
      defaultValue = "PT10S",
      description = "How long to wait for the broker, ISO-8601 (default: 10 s).")
  Duration timeout;

  @Option(
      names = "--check",
      paramLabel = "tcp:PORT|http://HOST:PORT/PATH",
      description =
          "A health check, repeatable: run from inside the instance against its private address;"
              + " tcp passes when a connection is accepted, http on 2xx (429: warning).")
  List<String> checks = new ArrayList<>();

  @Option(
      names = "--check-interval",
      defaultValue = "PT2S",
      description = "How often each check runs, ISO-8601 (default: 2 s).")
  Duration checkInterval;

  @Option(
      names = "--check-timeout",
      defaultValue = "PT1S",
      description = "How long one check may take before it counts as critical (default: 1 s).")
  Duration checkTimeout;

  @Parameters(
      arity = "1..*",
      paramLabel = "CMD",
      description = "The command and its arguments, after --.")
  List<String> command;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec cli;

  private final Object lock = new Object();
  private InstanceRuntime instance;
  private HealthMonitor health;
  private NetnsExecutor inInstance;
  private Process child;
  private boolean stopping;

  /** The main thread has returned (the command's status, or an error): the hook has no work. */
  private boolean finished;

  @Override
  public Integer call() throws Exception {
    InstanceRuntime.Spec spec = spec();
    PrintWriter err = cli.commandLine().getErr();
    if (!Shell.isRoot()) {
      err.println("sixpn run: needs root (network namespaces); run it with sudo");
      return 1;
    }
    Netns netns = spec.hostNetns();
    LifecyclePublisher publisher;
    // The producer's threads are made by the thread that connects, and stay in its namespace.
    try (NetnsExecutor inHost = new NetnsExecutor(netns)) {
      publisher =
          inHost.call(
              () ->
                  LifecyclePublisher.connect(
                      kafka.bootstrap,
                      kafka.clientOverrides(),
                      kafka.topic,
                      LifecycleTopic.DEFAULT_PARTITIONS,
                      timeout));
    }
    try (publisher) {
      return runInstance(spec, publisher, err);
    }
  }

  InstanceRuntime.Spec spec() {
    if (resolverWait.isNegative()) {
      throw new SixpnCommand.UsageException("--resolver-wait must not be negative");
    }
    healthChecks();
    Netns netns = hostNetns == null ? Netns.CURRENT : Netns.named(hostNetns);
    if (!netns.exists()) {
      throw new SixpnCommand.UsageException(
          "--host-netns: no network namespace named '" + hostNetns + "'");
    }
    InstanceOptions i = options;
    return new InstanceRuntime.Spec(
        i.instanceId(),
        i.network,
        i.app,
        i.processGroup,
        i.host,
        i.region,
        i.randomAddress(),
        i.hostAccess,
        i.metadata,
        i.parsedPorts(),
        netns,
        Path.of("/etc/netns"));
  }

  /** The parsed {@code --check} options, each name once, and the interval and timeout checked. */
  List<HealthCheck> healthChecks() {
    if (checkInterval.isNegative() || checkInterval.isZero()) {
      throw new SixpnCommand.UsageException("--check-interval must be positive");
    }
    if (checkTimeout.isNegative() || checkTimeout.isZero()) {
      throw new SixpnCommand.UsageException("--check-timeout must be positive");
    }
    List<HealthCheck> out = new ArrayList<>();
    java.util.Set<String> names = new HashSet<>();
    for (String c : checks) {
      HealthCheck check;
      try {
        check = HealthCheck.parse(c);
      } catch (IllegalArgumentException e) {
        throw new SixpnCommand.UsageException(e.getMessage());
      }
      if (!names.add(check.name())) {
        throw new SixpnCommand.UsageException(
            "--check: two checks on port " + check.port() + " (" + check.name() + ")");
      }
      out.add(check);
    }
    return out;
  }

  /** Checks the instance from inside its namespace; reports through the publisher. */
  private HealthMonitor monitor(InstanceRuntime.Spec spec, LifecyclePublisher publisher) {
    inInstance = new NetnsExecutor(Netns.named(spec.instanceId()));
    return new HealthMonitor(
        healthChecks(),
        spec.address().toInetAddress(),
        checkInterval,
        checkTimeout,
        inInstance::call,
        (check, status) ->
            publisher
                .publish(
                    new LifecycleEvent.InstanceHealth(
                        Events.newEventId(),
                        Instant.now(),
                        spec.instanceId(),
                        spec.network(),
                        spec.app(),
                        check,
                        status))
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS));
  }

  private int runInstance(InstanceRuntime.Spec spec, LifecyclePublisher publisher, PrintWriter err)
      throws Exception {
    // A shutdown hook, not a signal handler: SIGTERM and SIGINT both start the JVM's shutdown.
    // It also runs on every other exit, where it finds the main thread finished and does nothing.
    Runtime.getRuntime().addShutdownHook(new Thread(this::shutdown, "sixpn-run-stop"));
    try {
      synchronized (lock) {
        // Under the lock: a signal now waits until the instance exists, then removes it.
        instance = InstanceRuntime.create(spec, publisher);
        health = monitor(spec, publisher);
      }
      if (!instance.start(resolverWait, health::reportUnchecked)) {
        err.println(
            "sixpn run: warning: no resolver files in "
                + spec.resolverDir()
                + " after "
                + resolverWait.toMillis()
                + " ms (is the agent of host "
                + spec.host()
                + " running?); starting "
                + spec.instanceId()
                + " anyway");
      }
      synchronized (lock) {
        if (stopping) {
          return TERMINATED;
        }
        child = instance.command(command).inheritIo().start();
        health.start();
      }
      err.println(
          "sixpn run: "
              + spec.instanceId()
              + " at "
              + spec.address()
              + " (app "
              + spec.app()
              + ", network "
              + spec.network()
              + ")");
      err.flush();
      return child.waitFor();
    } finally {
      synchronized (lock) {
        finished = true;
      }
      finish(err);
    }
  }

  /** Forwards SIGTERM to the command, waits for it, removes the instance, exits with its status. */
  private void shutdown() {
    Process c;
    synchronized (lock) {
      if (finished) {
        return; // the exit under way carries the status; the instance is (being) removed
      }
      stopping = true;
      c = child;
    }
    int status = TERMINATED;
    if (c != null) {
      c.destroy();
      try {
        if (!c.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
          c.destroyForcibly();
        }
        status = c.waitFor();
      } catch (InterruptedException e) {
        c.destroyForcibly();
      }
    }
    finish(cli.commandLine().getErr());
    Runtime.getRuntime().halt(status);
  }

  private void finish(PrintWriter err) {
    InstanceRuntime i;
    HealthMonitor h;
    synchronized (lock) {
      i = instance;
      h = health;
    }
    if (h != null) {
      h.close(); // before the namespace goes, so no check reports the instance's removal
      inInstance.close();
    }
    if (i == null) {
      return;
    }
    try {
      i.close();
    } catch (RuntimeException e) {
      err.println("sixpn run: " + e.getMessage());
    }
    err.flush();
  }
}
