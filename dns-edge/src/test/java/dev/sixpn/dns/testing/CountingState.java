package dev.sixpn.dns.testing;

import dev.sixpn.state.StateReader;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;

/** A {@link StateReader} that counts the reads it passes on: a cache hit reads nothing. */
public final class CountingState {

  private final AtomicInteger reads = new AtomicInteger();
  private final StateReader reader;

  public CountingState(StateReader delegate) {
    this.reader =
        (StateReader)
            Proxy.newProxyInstance(
                StateReader.class.getClassLoader(),
                new Class<?>[] {StateReader.class},
                (proxy, method, args) -> {
                  if (method.getDeclaringClass() == Object.class) {
                    return method.invoke(delegate, args);
                  }
                  reads.incrementAndGet();
                  try {
                    return method.invoke(delegate, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
  }

  public StateReader reader() {
    return reader;
  }

  public int reads() {
    return reads.get();
  }
}
