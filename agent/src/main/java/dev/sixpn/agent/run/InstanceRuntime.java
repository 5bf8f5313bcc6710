package dev.sixpn.agent.run;

import dev.sixpn.address.SixpnAddress;
import dev.sixpn.dataplane.link.Exec;
import dev.sixpn.dataplane.link.LinkNames;
import dev.sixpn.dataplane.link.Netns;
import dev.sixpn.events.Events;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.events.Port;
import dev.sixpn.publish.LifecyclePublisher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * One instance made the way the dataplane expects it ({@link LinkNames}): a network namespace named
 * after the instance id, a veth whose host side is {@code 6p<hash>} in the host's namespace and
 * whose instance side is {@code eth0} (MTU {@value #MTU}, the 6PN address as /128, {@code default
 * via fe80::1}, no duplicate address detection), announced with {@code instance.started} and, on
 * {@link #close()}, {@code instance.stopped}, removed, and {@code instance.destroyed}.
 *
 * <p>The instance's {@code eth0} stays down until the dataplane has written the instance's resolver
 * files: the plumbing pass attaches from_instance to the host-side link before it writes them, so
 * the instance cannot send a packet the programs do not see. (The host side is up from the start:
 * the dataplane's /128 route needs an up device, and without a carrier nothing flows.)
 *
 * <p>Stopped, then destroyed: an instance {@code sixpn run} made is gone when its command exits —
 * its namespace and link are removed — so it leaves the {@code all.} names too. Nothing here
 * restarts an instance under the same id.
 */
public final class InstanceRuntime implements AutoCloseable {

  public static final int MTU = 1420;

  /** The instance's interface, inside its namespace. */
  public static final String INSTANCE_LINK = "eth0";

  /** How long a lifecycle event may take to be acknowledged. */
  private static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(15);

  /**
   * What to start.
   *
   * @param hostNetns where the host-side link goes: the host's namespace
   * @param netnsEtc where the dataplane writes resolver files, normally {@code /etc/netns}
   */
  public record Spec(
      String instanceId,
      long network,
      String app,
      String processGroup,
      long host,
      String region,
      SixpnAddress address,
      boolean hostAccess,
      Map<String, String> metadata,
      List<Port> ports,
      Netns hostNetns,
      Path netnsEtc) {

    public Spec {
      metadata = Map.copyOf(metadata);
      ports = List.copyOf(ports);
      Objects.requireNonNull(hostNetns, "hostNetns");
      Objects.requireNonNull(netnsEtc, "netnsEtc");
      // The event's own rules (labels, ranges, the address in the network on the host, metadata
      // and ports), checked before anything is made.
      new LifecycleEvent.InstanceStarted(
          Events.newEventId(),
          Instant.now(),
          instanceId,
          network,
          app,
          processGroup,
          host,
          region,
          address,
          metadata,
          hostAccess,
          ports);
    }

    LifecycleEvent.InstanceStarted started(Instant now) {
      return new LifecycleEvent.InstanceStarted(
          Events.newEventId(),
          now,
          instanceId,
          network,
          app,
          processGroup,
          host,
          region,
          address,
          metadata,
          hostAccess,
          ports);
    }

    public String hostSideLink() {
      return LinkNames.hostSideLink(instanceId);
    }

    public Path resolverDir() {
      return netnsEtc.resolve(instanceId);
    }
  }

  private final Spec spec;
  private final LifecyclePublisher publisher;
  private final Netns instanceNetns;
  private final Deque<Runnable> undo = new ArrayDeque<>();
  private boolean published;
  private boolean closed;

  private InstanceRuntime(Spec spec, LifecyclePublisher publisher) {
    this.spec = spec;
    this.publisher = publisher;
    this.instanceNetns = Netns.named(spec.instanceId());
  }

  /**
   * Makes the namespace and the veth (the instance side still down); publishes nothing yet. On a
   * failure, whatever was made is removed again.
   */
  public static InstanceRuntime create(Spec spec, LifecyclePublisher publisher) {
    InstanceRuntime r = new InstanceRuntime(spec, publisher);
    try {
      r.plumb();
    } catch (RuntimeException e) {
      r.removeAll();
      throw e;
    }
    return r;
  }

  private void plumb() {
    String id = spec.instanceId();
    if (instanceNetns.exists()) {
      throw new IllegalStateException(
          "a network namespace named " + id + " exists already (an instance with this id runs?)");
    }
    must(Netns.CURRENT, "ip", "netns", "add", id);
    undo.push(() -> Netns.CURRENT.run("ip", "netns", "del", id));
    // Resolver files belong to the namespace: whatever the dataplane left when it is gone goes.
    undo.push(() -> Netns.CURRENT.run("rm", "-rf", "--", spec.resolverDir().toString()));
    must(
        instanceNetns,
        "sh",
        "-c",
        "echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad;"
            + " echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad; ip link set lo up");
    String link = spec.hostSideLink();
    must(
        spec.hostNetns(),
        "ip",
        "link",
        "add",
        link,
        "mtu",
        Integer.toString(MTU),
        "type",
        "veth",
        "peer",
        "name",
        INSTANCE_LINK,
        "mtu",
        Integer.toString(MTU),
        "netns",
        id);
    undo.push(() -> spec.hostNetns().run("ip", "link", "del", link));
    must(spec.hostNetns(), "ip", "link", "set", link, "up");
  }

  /**
   * Publishes {@code instance.started}, waits up to {@code resolverWait} for the dataplane's
   * resolver files, then brings the instance's interface up with its address and default route.
   *
   * @return whether the resolver files appeared in time (if not, the interface comes up anyway: the
   *     caller warns)
   */
  public boolean start(Duration resolverWait) throws Exception {
    return start(resolverWait, () -> {});
  }

  /**
   * As {@link #start(Duration)}, running {@code afterStarted} once {@code instance.started} is
   * acknowledged, before the resolver wait (its health checks start out critical there).
   */
  public boolean start(Duration resolverWait, Runnable afterStarted) throws Exception {
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("instance " + spec.instanceId() + " is closed");
      }
      published = true;
    }
    publisher
        .publish(spec.started(Instant.now()))
        .get(PUBLISH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    afterStarted.run();
    boolean files = awaitResolverFiles(resolverWait);
    must(instanceNetns, "ip", "link", "set", INSTANCE_LINK, "up");
    must(
        instanceNetns,
        "ip",
        "-6",
        "addr",
        "add",
        spec.address() + "/128",
        "dev",
        INSTANCE_LINK,
        "nodad");
    must(
        instanceNetns,
        "ip",
        "-6",
        "route",
        "add",
        "default",
        "via",
        "fe80::1",
        "dev",
        INSTANCE_LINK);
    return files;
  }

  private boolean awaitResolverFiles(Duration wait) throws InterruptedException {
    Path dir = spec.resolverDir();
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      if (Files.exists(dir.resolve("resolv.conf")) && Files.exists(dir.resolve("hosts"))) {
        return true;
      }
      if (System.nanoTime() >= deadline) {
        return false;
      }
      Thread.sleep(50);
    }
  }

  /** What a command inside the instance sees. */
  public Map<String, String> environment() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("SIXPN_PRIVATE_IP", spec.address().toString());
    env.put("SIXPN_APP", spec.app());
    env.put("SIXPN_REGION", spec.region());
    env.put("SIXPN_INSTANCE_ID", spec.instanceId());
    return env;
  }

  /**
   * {@code command} run inside the instance with {@code ip netns exec}, which bind-mounts {@code
   * /etc/netns/<id>/} over {@code /etc} (the resolver files) and then execs the command itself, so
   * the process started is the command and a signal sent to it reaches the command.
   */
  public Exec.Command command(List<String> command) {
    List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", spec.instanceId()));
    argv.addAll(command);
    Exec.Command c = Exec.command(argv);
    environment().forEach(c::env);
    return c;
  }

  public Spec spec() {
    return spec;
  }

  /**
   * Publishes {@code instance.stopped} (if started), removes the link and the namespace, and
   * publishes {@code instance.destroyed}. Each step on its own: a broker that is gone does not keep
   * the namespace alive. Idempotent.
   *
   * @throws IllegalStateException after every step ran, if publishing failed
   */
  @Override
  public synchronized void close() {
    // Synchronized throughout: a second caller (a signal's shutdown hook) returns only once the
    // first has finished.
    if (closed) {
      return;
    }
    closed = true;
    boolean announce = published;
    List<String> problems = new ArrayList<>();
    if (announce) {
      publish(
          new LifecycleEvent.InstanceStopped(
              Events.newEventId(), Instant.now(), spec.instanceId(), spec.network(), spec.app()),
          problems);
    }
    removeAll();
    if (announce) {
      publish(
          new LifecycleEvent.InstanceDestroyed(
              Events.newEventId(), Instant.now(), spec.instanceId(), spec.network(), spec.app()),
          problems);
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException(String.join("; ", problems));
    }
  }

  /** Removes the link and the namespace and publishes nothing (the broker is known to be gone). */
  public synchronized void closeWithoutPublishing() {
    if (closed) {
      return;
    }
    closed = true;
    removeAll();
  }

  private void publish(LifecycleEvent event, List<String> problems) {
    try {
      publisher.publish(event).get(PUBLISH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      problems.add("interrupted publishing " + event.type().wireName());
    } catch (Exception e) {
      problems.add(
          "cannot publish " + event.type().wireName() + " of " + spec.instanceId() + ": " + e);
    }
  }

  private void removeAll() {
    while (!undo.isEmpty()) {
      try {
        undo.pop().run();
      } catch (RuntimeException e) {
        System.err.println("sixpn: cleanup of " + spec.instanceId() + ": " + e.getMessage());
      }
    }
  }

  private static void must(Netns netns, String... command) {
    netns.run(command).orThrow("");
  }
}
