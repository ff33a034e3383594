package io.attache.dataplane.filter.cache;

/**
 * The directives of a response's {@code cache-control} that a shared cache acts on, parsed as
 * Envoy's {@code ResponseCacheControl}: {@code private} counts as {@code no-store}, {@code
 * s-maxage} wins over {@code max-age}, {@code proxy-revalidate} as {@code must-revalidate}.
 * Immutable.
 *
 * @param mustValidate {@code no-cache}: stored, but validated before every use
 * @param noStore {@code no-store} or {@code private}: never stored
 * @param noStale {@code must-revalidate} / {@code proxy-revalidate}: never served stale
 * @param maxAge {@code s-maxage}, else {@code max-age}, in seconds; {@link
 *     RequestCacheControl#ABSENT} when neither
 */
record ResponseCacheControl(boolean mustValidate, boolean noStore, boolean noStale, long maxAge) {
  static ResponseCacheControl parse(String cacheControl) {
    boolean mustValidate = false;
    boolean noStore = false;
    boolean noStale = false;
    long maxAge = RequestCacheControl.ABSENT;
    if (cacheControl == null) {
      return new ResponseCacheControl(false, false, false, maxAge);
    }
    for (String full : cacheControl.split(",", -1)) {
      String d = full.strip();
      int eq = d.indexOf('=');
      String directive = eq < 0 ? d : d.substring(0, eq);
      String argument = eq < 0 ? "" : d.substring(eq + 1);
      switch (directive) {
        case "no-cache" -> mustValidate = true;
        case "must-revalidate", "proxy-revalidate" -> noStale = true;
        case "no-store", "private" -> noStore = true;
        case "s-maxage" -> maxAge = RequestCacheControl.seconds(argument);
        case "max-age" -> {
          if (maxAge == RequestCacheControl.ABSENT) {
            maxAge = RequestCacheControl.seconds(argument);
          }
        }
        default -> {}
      }
    }
    return new ResponseCacheControl(mustValidate, noStore, noStale, maxAge);
  }

  boolean hasMaxAge() {
    return maxAge != RequestCacheControl.ABSENT;
  }
}
