package dev.sixpn.dataplane.link;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One platform thread that has entered a network namespace with setns(2) (the namespace is a
 * per-thread attribute on Linux; the rest of the JVM stays where it is). Used for calls that answer
 * for "the current namespace" (if_nameindex) without spawning {@code nsenter ip}.
 */
public final class NetnsExecutor implements AutoCloseable {

  private static final int O_RDONLY = 0;
  private static final int CLONE_NEWNET = 0x40000000;
  private static final MethodHandle OPEN =
      handle("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle SETNS =
      handle("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle CLOSE =
      handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  private static final MethodHandle IF_NAMEINDEX =
      handle("if_nameindex", FunctionDescriptor.of(ADDRESS));
  private static final MethodHandle IF_FREENAMEINDEX =
      handle("if_freenameindex", FunctionDescriptor.ofVoid(ADDRESS));

  /**
   * struct if_nameindex { unsigned int if_index; char *if_name; } (net/if.h), 16 bytes on x86-64.
   */
  private static final long IF_NAMEINDEX_SIZE = 16;

  private static final int IFNAMSIZ = 16;

  /** The namespace the current thread entered through {@link #enterOnThisThread}, if any. */
  private static final ThreadLocal<Netns> ENTERED = new ThreadLocal<>();

  private final Netns netns;
  private final ExecutorService executor;

  /** An executor in {@code netns}, or on the caller's namespace for {@link Netns#CURRENT}. */
  public NetnsExecutor(Netns netns) {
    this.netns = netns;
    executor =
        Executors.newSingleThreadExecutor(
            r ->
                Thread.ofPlatform()
                    .daemon()
                    .name("netns-" + netns)
                    .unstarted(
                        () -> {
                          enterOnThisThread(netns);
                          r.run();
                        }));
  }

  /**
   * Moves the calling thread into {@code netns} for good (a dedicated thread only: nothing may run
   * on it afterwards that expects the agent's namespace). Calls made on such a thread skip the hop
   * to this executor's thread.
   */
  public static void enterOnThisThread(Netns netns) {
    netns.name().ifPresent(NetnsExecutor::enter);
    ENTERED.set(netns);
  }

  @SuppressWarnings("restricted")
  private static MethodHandle handle(String name, FunctionDescriptor fd) {
    Linker l = Linker.nativeLinker();
    return l.downcallHandle(l.defaultLookup().find(name).orElseThrow(), fd);
  }

  private static void enter(String netns) {
    try (Arena arena = Arena.ofConfined()) {
      int fd = (int) OPEN.invokeExact(arena.allocateFrom("/run/netns/" + netns), O_RDONLY);
      if (fd < 0) {
        throw new IllegalStateException(
            "cannot open /run/netns/" + netns + ": does the namespace exist?");
      }
      int r = (int) SETNS.invokeExact(fd, CLONE_NEWNET);
      int unused = (int) CLOSE.invokeExact(fd);
      if (r != 0) {
        throw new IllegalStateException("setns into " + netns + " failed (needs CAP_SYS_ADMIN)");
      }
    } catch (RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  public <T> T call(Callable<T> task) {
    if (netns.equals(ENTERED.get()) || (netns.name().isEmpty() && ENTERED.get() == null)) {
      try {
        return task.call();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    try {
      return executor.submit(task).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException re
          ? re
          : new IllegalStateException(e.getCause());
    }
  }

  /**
   * Runs {@code task} on the namespace's thread without waiting (so that, say, a server and a
   * client in two namespaces can run at once).
   */
  public <T> Future<T> submit(Callable<T> task) {
    return executor.submit(task);
  }

  /** Interfaces of the namespace, name to ifindex, by if_nameindex(3): no process, microseconds. */
  public Map<String, Integer> interfaces() {
    return call(NetnsExecutor::ifNameIndex);
  }

  private static Map<String, Integer> ifNameIndex() {
    try {
      return readNameIndex();
    } catch (RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("if_nameindex downcall failed", t);
    }
  }

  @SuppressWarnings("restricted")
  private static Map<String, Integer> readNameIndex() throws Throwable {
    MemorySegment list = (MemorySegment) IF_NAMEINDEX.invokeExact();
    if (list.equals(MemorySegment.NULL)) {
      throw new IllegalStateException("if_nameindex failed");
    }
    try {
      Map<String, Integer> out = new HashMap<>();
      for (long i = 0; ; i++) {
        MemorySegment entry =
            list.reinterpret((i + 1) * IF_NAMEINDEX_SIZE).asSlice(i * IF_NAMEINDEX_SIZE);
        int index = entry.get(JAVA_INT, 0);
        if (index == 0) {
          return out;
        }
        String name = entry.get(ADDRESS, 8).reinterpret(IFNAMSIZ).getString(0);
        out.put(name, index);
      }
    } finally {
      IF_FREENAMEINDEX.invokeExact(list);
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
