package io.attache.dataplane.router;

import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption.HeaderAppendAction;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The header mutations that apply to one request or response, already put in Envoy's order: the
 * selected weighted cluster's level first, then route, virtual host and route configuration (or the
 * reverse of those three when {@code most_specific_header_mutations_wins} is set; a later level
 * overrides an earlier one). Within a level Envoy removes first, then evaluates every value against
 * the headers as they stand, then overwrites, then appends. Immutable and shared by all requests;
 * {@link #apply} runs on the event loop and must not block.
 */
public final class HeaderMutations {
  /** No mutations at all. */
  public static final HeaderMutations NONE = new HeaderMutations(List.of());

  private final List<Level> levels;

  private HeaderMutations(List<Level> levels) {
    this.levels = levels;
  }

  static HeaderMutations of(List<Level> levels) {
    List<Level> nonEmpty = new ArrayList<>();
    for (Level level : levels) {
      if (!level.isEmpty()) {
        nonEmpty.add(level);
      }
    }
    return nonEmpty.isEmpty() ? NONE : new HeaderMutations(List.copyOf(nonEmpty));
  }

  /**
   * One list of {@code HeaderValueOption}s outside a route (a filter's {@code
   * response_headers_to_add}, say); errors name {@code path}.
   */
  public static HeaderMutations compile(List<HeaderValueOption> toAdd, String path)
      throws ConfigException {
    return of(List.of(Level.compile(toAdd, List.of(), path, path)));
  }

  /** A copy with {@code first} evaluated before everything else (the weighted-cluster level). */
  HeaderMutations prependedWith(Level first) {
    if (first.isEmpty()) {
      return this;
    }
    List<Level> all = new ArrayList<>(levels.size() + 1);
    all.add(first);
    all.addAll(levels);
    return new HeaderMutations(List.copyOf(all));
  }

  public boolean isEmpty() {
    return levels.isEmpty();
  }

  /** Applies every level, in order, to {@code headers}. */
  public void apply(HttpHeaders headers, FormatterContext context) {
    for (Level level : levels) {
      level.apply(headers, context);
    }
  }

  /**
   * The mutations of one config level ({@code *_headers_to_add} plus {@code *_headers_to_remove}).
   */
  static final class Level {
    static final Level EMPTY = new Level(List.of(), List.of());

    private final List<String> removals;
    private final List<Addition> additions;

    private Level(List<String> removals, List<Addition> additions) {
      this.removals = removals;
      this.additions = additions;
    }

    boolean isEmpty() {
      return removals.isEmpty() && additions.isEmpty();
    }

    /**
     * @param addPath field path of the {@code *_headers_to_add} list
     * @param removePath field path of the {@code *_headers_to_remove} list
     */
    @SuppressWarnings("deprecation") // HeaderValueOption.append is deprecated but still honoured
    static Level compile(
        List<HeaderValueOption> toAdd, List<String> toRemove, String addPath, String removePath)
        throws ConfigException {
      if (toAdd.isEmpty() && toRemove.isEmpty()) {
        return EMPTY;
      }
      if (toAdd.size() > 1000) {
        throw new ConfigException(addPath, "at most 1000 headers may be added");
      }
      List<Addition> additions = new ArrayList<>(toAdd.size());
      for (int i = 0; i < toAdd.size(); i++) {
        HeaderValueOption option = toAdd.get(i);
        String path = addPath + "[" + i + "]";
        if (!option.hasHeader()) {
          throw new ConfigException(path + ".header", "header is required");
        }
        String name = option.getHeader().getKey().toLowerCase(Locale.ROOT);
        checkName(name, path + ".header.key", "modified");
        HeaderValueFormatter value;
        if (!option.getHeader().getRawValue().isEmpty()) {
          if (!option.getHeader().getValue().isEmpty()) {
            throw new ConfigException(
                path + ".header", "only one of value or raw_value may be set");
          }
          // Raw bytes are carried one byte per char, which is how Netty writes header values.
          value =
              HeaderValueFormatter.literal(
                  option.getHeader().getRawValue().toString(StandardCharsets.ISO_8859_1));
        } else {
          value = HeaderValueFormatter.parse(option.getHeader().getValue(), path + ".header.value");
        }
        HeaderAppendAction action = option.getAppendAction();
        if (option.hasAppend()) {
          if (action != HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD) {
            throw new ConfigException(
                path, "both append and append_action are set; use append_action only");
          }
          action =
              option.getAppend().getValue()
                  ? HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD
                  : HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD;
        }
        if (action == HeaderAppendAction.UNRECOGNIZED) {
          throw new ConfigException(path + ".append_action", "unknown append_action");
        }
        additions.add(new Addition(name, value, action, option.getKeepEmptyValue()));
      }
      List<String> removals = new ArrayList<>(toRemove.size());
      for (int i = 0; i < toRemove.size(); i++) {
        String name = toRemove.get(i).toLowerCase(Locale.ROOT);
        checkName(name, removePath + "[" + i + "]", "removed");
        removals.add(name);
      }
      return new Level(List.copyOf(removals), List.copyOf(additions));
    }

    private static void checkName(String name, String path, String verb) throws ConfigException {
      if (name.isEmpty()) {
        throw new ConfigException(path, "header name must not be empty");
      }
      if (name.charAt(0) == ':' || name.equals("host")) {
        // Envoy refuses these: routing has its own mechanisms for path and authority.
        throw new ConfigException(path, ":-prefixed or host headers may not be " + verb);
      }
      for (int i = 0; i < name.length(); i++) {
        if (!isTokenChar(name.charAt(i))) {
          throw new ConfigException(path, "'" + name + "' is not a valid HTTP header name");
        }
      }
    }

    private static String stripOws(String value) {
      int start = 0;
      int end = value.length();
      while (start < end && (value.charAt(start) == ' ' || value.charAt(start) == '\t')) {
        start++;
      }
      while (end > start && (value.charAt(end - 1) == ' ' || value.charAt(end - 1) == '\t')) {
        end--;
      }
      return value.substring(start, end);
    }

    private static boolean isTokenChar(char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    void apply(HttpHeaders headers, FormatterContext context) {
      for (int i = 0; i < removals.size(); i++) {
        headers.remove(removals.get(i));
      }
      if (additions.isEmpty()) {
        return;
      }
      // Every value is computed against the headers as they are before this level writes.
      String[] values = new String[additions.size()];
      boolean[] overwrite = new boolean[additions.size()];
      for (int i = 0; i < additions.size(); i++) {
        Addition addition = additions.get(i);
        String value = addition.value.format(context);
        if (value.isEmpty() && !addition.keepEmptyValue) {
          continue;
        }
        // A field value has no leading or trailing whitespace (RFC 9110 §5.5): Envoy writes the
        // configured value as it is and every receiver drops it; the codec here refuses it.
        value = stripOws(value);
        switch (addition.action) {
          case APPEND_IF_EXISTS_OR_ADD -> values[i] = value;
          case ADD_IF_ABSENT -> {
            if (!headers.contains(addition.name)) {
              values[i] = value;
            }
          }
          case OVERWRITE_IF_EXISTS -> {
            if (headers.contains(addition.name)) {
              values[i] = value;
              overwrite[i] = true;
            }
          }
          case OVERWRITE_IF_EXISTS_OR_ADD -> {
            values[i] = value;
            overwrite[i] = true;
          }
          default -> throw new IllegalStateException("validated at compile time");
        }
      }
      for (int i = 0; i < additions.size(); i++) {
        if (values[i] != null && overwrite[i]) {
          headers.set(additions.get(i).name, values[i]);
        }
      }
      for (int i = 0; i < additions.size(); i++) {
        if (values[i] != null && !overwrite[i]) {
          headers.add(additions.get(i).name, values[i]);
        }
      }
    }
  }

  private record Addition(
      String name, HeaderValueFormatter value, HeaderAppendAction action, boolean keepEmptyValue) {}
}
