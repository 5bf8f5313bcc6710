package dev.sixpn.dataplane.maps;

import dev.sixpn.dataplane.bpf.MapOp;
import dev.sixpn.dataplane.bpf.ProgramLoader;
import java.util.function.Function;

/**
 * The maps of one host the agent reads and writes, opened from its pins (the drop-event ring is
 * {@code sixpn monitor}'s: {@link DropEventsRing}).
 */
public final class DataplaneMaps implements AutoCloseable {

  private final ConfigMap config;
  private final LinkMap links;
  private final LocalsMap locals;
  private final DropsMap drops;
  private final DropRateMap dropRate;

  public DataplaneMaps(ProgramLoader.Pins pins, Function<String, MapOp.Observer> observers) {
    ConfigMap c = null;
    LinkMap l = null;
    LocalsMap lo = null;
    DropsMap d = null;
    try {
      c = new ConfigMap(pins.map(ConfigMap.NAME).toString(), observers.apply(ConfigMap.NAME));
      l = new LinkMap(pins.map(LinkMap.NAME).toString(), observers.apply(LinkMap.NAME));
      lo = new LocalsMap(pins.map(LocalsMap.NAME).toString(), observers.apply(LocalsMap.NAME));
      d = new DropsMap(pins.map(DropsMap.NAME).toString(), observers.apply(DropsMap.NAME));
      this.dropRate =
          new DropRateMap(pins.map(DropRateMap.NAME).toString(), observers.apply(DropRateMap.NAME));
    } catch (RuntimeException e) {
      for (AutoCloseable opened : new AutoCloseable[] {c, l, lo, d}) {
        if (opened != null) {
          try {
            opened.close();
          } catch (Exception suppressed) {
            e.addSuppressed(suppressed);
          }
        }
      }
      throw e;
    }
    this.config = c;
    this.links = l;
    this.locals = lo;
    this.drops = d;
  }

  /** True if the maps pinned under {@code pins} have this build's types and layouts. */
  public static boolean compatible(ProgramLoader.Pins pins) {
    try (DataplaneMaps ignored = new DataplaneMaps(pins, name -> MapOp.Observer.NONE);
        DropEventsRing _ = new DropEventsRing(pins.map(DropEventsRing.NAME).toString())) {
      return true;
    } catch (dev.sixpn.dataplane.bpf.BpfException e) {
      return false;
    }
  }

  public ConfigMap config() {
    return config;
  }

  public LinkMap links() {
    return links;
  }

  public LocalsMap locals() {
    return locals;
  }

  public DropsMap drops() {
    return drops;
  }

  public DropRateMap dropRate() {
    return dropRate;
  }

  @Override
  public void close() {
    config.close();
    links.close();
    locals.close();
    drops.close();
    dropRate.close();
  }
}
