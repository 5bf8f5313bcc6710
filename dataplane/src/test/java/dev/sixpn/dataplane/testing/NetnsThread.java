package dev.sixpn.dataplane.testing;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One platform thread moved into a network namespace with setns(2): sockets it opens live there.
 * The namespace is per thread on Linux, so the rest of the JVM is unaffected; the thread is never
 * returned to a shared pool.
 */
public final class NetnsThread implements AutoCloseable {

  private static final int O_RDONLY = 0;
  private static final int CLONE_NEWNET = 0x40000000;
  private static final MethodHandle OPEN =
      handle("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle SETNS =
      handle("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle CLOSE =
      handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

  private final ExecutorService executor;

  public NetnsThread(String netns) {
    executor =
        Executors.newSingleThreadExecutor(
            r ->
                Thread.ofPlatform()
                    .daemon()
                    .name("netns-" + netns)
                    .unstarted(
                        () -> {
                          enter(netns);
                          r.run();
                        }));
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
        throw new IllegalStateException("cannot open /run/netns/" + netns);
      }
      int r = (int) SETNS.invokeExact(fd, CLONE_NEWNET);
      int unused = (int) CLOSE.invokeExact(fd);
      if (r != 0) {
        throw new IllegalStateException("setns into " + netns + " failed");
      }
    } catch (RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  public <T> Future<T> submit(Callable<T> task) {
    return executor.submit(task);
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
