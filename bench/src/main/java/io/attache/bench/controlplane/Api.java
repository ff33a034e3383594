package io.attache.bench.controlplane;

import java.util.List;
import java.util.Locale;

/** The xDS protocol variant the simulated proxies speak over their ADS stream. */
public enum Api {
  SOTW("state of the world"),
  DELTA("delta");

  private final String description;

  Api(String description) {
    this.description = description;
  }

  public String description() {
    return description;
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** {@code sotw}, {@code delta} or {@code both} (in that order), as given on the command line. */
  public static List<Api> parseChoice(String choice) {
    return switch (choice.trim().toLowerCase(Locale.ROOT)) {
      case "sotw" -> List.of(SOTW);
      case "delta" -> List.of(DELTA);
      case "both" -> List.of(SOTW, DELTA);
      default ->
          throw new IllegalArgumentException(
              "--api must be sotw, delta or both, not '" + choice + "'");
    };
  }

  public static Api parse(String label) {
    return valueOf(label.trim().toUpperCase(Locale.ROOT));
  }
}
