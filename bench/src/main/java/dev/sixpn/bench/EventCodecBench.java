package dev.sixpn.bench;

import dev.sixpn.events.EventCodec;
import dev.sixpn.events.LifecycleEvent;
import dev.sixpn.events.MalformedEventException;
import dev.sixpn.events.synthetic.SyntheticFleet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** JMH: the JSON codec per event (the projector decodes every record it folds). */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class EventCodecBench {

  private List<LifecycleEvent> events;
  private byte[][] encoded;
  private int next;

  @Setup
  public void setUp() {
    events = new SyntheticFleet(1, 20, 5, 8).generate(10_000);
    encoded = events.stream().map(EventCodec::encode).toArray(byte[][]::new);
  }

  @Benchmark
  public LifecycleEvent decode() throws MalformedEventException {
    next = (next + 1) % encoded.length;
    return EventCodec.decode(encoded[next]);
  }

  @Benchmark
  public byte[] encode() {
    next = (next + 1) % encoded.length;
    return EventCodec.encode(events.get(next));
  }
}
