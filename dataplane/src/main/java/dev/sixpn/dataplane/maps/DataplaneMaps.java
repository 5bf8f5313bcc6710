package dev.sixpn.dataplane.maps;

import dev.sixpn.dataplane.bpf.MapOp;
import dev.sixpn.dataplane.bpf.ProgramLoader;
import java.util.function.Function;

/** The four maps of one host, opened from its pins. */
public final class DataplaneMaps implements AutoCloseable {

  private final ConfigMap config;
  private final LinkMap links;
  private final LocalsMap locals;
  private final DropsMap drops;

  public DataplaneMaps(ProgramLoader.Pins pins, Function<String, MapOp.Observer> observers) {
    ConfigMap c = null;
    LinkMap l = null;
    LocalsMap lo = null;
    try {
      c = new ConfigMap(pins.map(ConfigMap.NAME).toString(), observers.apply(ConfigMap.NAME));
      l = new LinkMap(pins.map(LinkMap.NAME).toString(), observers.apply(LinkMap.NAME));
      lo = new LocalsMap(pins.map(LocalsMap.NAME).toString(), observers.apply(LocalsMap.NAME));
      this.drops = new DropsMap(pins.map(DropsMap.NAME).toString(), observers.apply(DropsMap.NAME));
    } catch (RuntimeException e) {
      for (AutoCloseable opened : new AutoCloseable[] {c, l, lo}) {
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
  }

  /** True if the maps pinned under {@code pins} have this build's types and layouts. */
  public static boolean compatible(ProgramLoader.Pins pins) {
    try (DataplaneMaps ignored = new DataplaneMaps(pins, name -> MapOp.Observer.NONE)) {
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

  @Override
  public void close() {
    config.close();
    links.close();
    locals.close();
    drops.close();
  }
}
