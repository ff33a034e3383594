package io.attache.dataplane.filter.cache;

/**
 * The directives of a request's {@code cache-control} that a shared cache acts on, parsed as
 * Envoy's {@code RequestCacheControl}: unknown directives and unparsable durations are ignored.
 * Durations are in seconds; {@link #ABSENT} when not given. Immutable.
 *
 * @param mustValidate {@code no-cache} (or {@code pragma: no-cache} without a {@code
 *     cache-control})
 * @param noStore {@code no-store}: the response is not stored (a stored one may still be served)
 * @param maxStale {@code max-stale}; {@code Long.MAX_VALUE} when given without a value
 */
record RequestCacheControl(
    boolean mustValidate, boolean noStore, long maxAge, long minFresh, long maxStale) {
  static final long ABSENT = -1;
  static final RequestCacheControl NONE =
      new RequestCacheControl(false, false, ABSENT, ABSENT, ABSENT);

  /**
   * From the request's {@code cache-control} and {@code pragma} values (null when absent), as Envoy
   * reads them: {@code pragma} counts only when there is no {@code cache-control}.
   */
  static RequestCacheControl parse(String cacheControl, String pragma) {
    if (cacheControl == null) {
      boolean pragmaNoCache = pragma != null && pragma.contains("no-cache");
      return pragmaNoCache ? new RequestCacheControl(true, false, ABSENT, ABSENT, ABSENT) : NONE;
    }
    boolean mustValidate = false;
    boolean noStore = false;
    long maxAge = ABSENT;
    long minFresh = ABSENT;
    long maxStale = ABSENT;
    for (String full : cacheControl.split(",", -1)) {
      String d = full.strip();
      int eq = d.indexOf('=');
      String directive = eq < 0 ? d : d.substring(0, eq);
      String argument = eq < 0 ? "" : d.substring(eq + 1);
      switch (directive) {
        case "no-cache" -> mustValidate = true;
        case "no-store" -> noStore = true;
        case "max-age" -> maxAge = seconds(argument);
        case "min-fresh" -> minFresh = seconds(argument);
        case "max-stale" -> maxStale = argument.isEmpty() ? Long.MAX_VALUE : seconds(argument);
        default -> {}
      }
    }
    return new RequestCacheControl(mustValidate, noStore, maxAge, minFresh, maxStale);
  }

  /** Envoy's delta-seconds: digits, optionally quoted; anything else is {@link #ABSENT}. */
  static long seconds(String argument) {
    String s = argument;
    if (s.length() > 1 && s.charAt(0) == '"' && s.charAt(s.length() - 1) == '"') {
      s = s.substring(1, s.length() - 1);
    }
    if (s.isEmpty() || s.length() > 18) {
      return ABSENT;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return ABSENT;
      }
    }
    return Long.parseLong(s);
  }
}
