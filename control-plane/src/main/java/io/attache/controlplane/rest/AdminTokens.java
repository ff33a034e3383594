package io.attache.controlplane.rest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The bearer tokens the admin API accepts, each with its role, parsed once at start-up. Only the
 * SHA-256 digest of each token is kept, and a presented token is compared against every entry in
 * constant time, so neither the comparison's timing nor a heap dump gives a token away. {@link
 * #NONE} is the null object for "authentication off": it allows everything. Must never log or print
 * a token.
 */
public final class AdminTokens {

  /** Authentication off: every request is allowed, as before tokens existed. */
  public static final AdminTokens NONE = new AdminTokens(List.of(), false);

  /** RFC 6750 b64token; short tokens are refused because they can be guessed. */
  private static final Pattern TOKEN = Pattern.compile("^[A-Za-z0-9\\-._~+/]+=*$");

  public static final int MIN_TOKEN_LENGTH = 16;

  private static final Set<String> READ_METHODS = Set.of("GET", "HEAD", "OPTIONS");
  private static final String BEARER = "bearer ";

  private record Entry(byte[] digest, AdminRole role) {}

  private final List<Entry> entries;
  private final boolean enabled;

  private AdminTokens(List<Entry> entries, boolean enabled) {
    this.entries = List.copyOf(entries);
    this.enabled = enabled;
  }

  /**
   * Reads a token file: one {@code <token> <role>} per line, blank lines and # comments allowed.
   */
  public static AdminTokens load(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new AdminConfigException("cannot read admin token file " + file + ": " + e, e);
    }
    return parse(lines, file.toString());
  }

  /** Parses token file lines; {@code source} names the file in errors. */
  public static AdminTokens parse(List<String> lines, String source) {
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String at = source + " line " + (i + 1) + ": ";
      String[] fields = line.split("\\s+");
      if (fields.length != 2) {
        throw new AdminConfigException(
            at
                + "expected '<token> <role>' (role admin or read-only), found "
                + fields.length
                + " field(s)");
      }
      AdminRole role =
          AdminRole.byLabel(fields[1])
              .orElseThrow(
                  () ->
                      new AdminConfigException(
                          at + "role must be admin or read-only, not '" + fields[1] + "'"));
      checkToken(fields[0], at);
      byte[] digest = digest(fields[0]);
      if (entries.stream().anyMatch(e -> MessageDigest.isEqual(e.digest(), digest))) {
        throw new AdminConfigException(at + "the same token appears on an earlier line");
      }
      entries.add(new Entry(digest, role));
    }
    if (entries.isEmpty()) {
      throw new AdminConfigException(
          source + ": no tokens; authentication would lock everybody out");
    }
    return new AdminTokens(entries, true);
  }

  /** These tokens plus one more (the {@code ATTACHE_ADMIN_TOKEN} environment variable). */
  public AdminTokens with(String token, AdminRole role, String source) {
    String at = source + ": ";
    checkToken(token, at);
    byte[] digest = digest(token);
    if (entries.stream().anyMatch(e -> MessageDigest.isEqual(e.digest(), digest))) {
      throw new AdminConfigException(at + "the same token is already in the token file");
    }
    List<Entry> more = new ArrayList<>(entries);
    more.add(new Entry(digest, role));
    return new AdminTokens(more, true);
  }

  /** True when requests must carry a token. */
  public boolean enabled() {
    return enabled;
  }

  public int size() {
    return entries.size();
  }

  /**
   * Decides a request from its Authorization header (null when absent) and HTTP method. Reads are
   * GET, HEAD and OPTIONS; any other method is a write and needs the admin role.
   */
  public AccessDecision decide(String authorization, String method) {
    if (!enabled) {
      return AccessDecision.ALLOWED;
    }
    AdminRole role = roleOf(authorization);
    if (role == null) {
      return AccessDecision.UNAUTHENTICATED;
    }
    if (role == AdminRole.ADMIN || READ_METHODS.contains(method.toUpperCase(Locale.ROOT))) {
      return AccessDecision.ALLOWED;
    }
    return AccessDecision.FORBIDDEN;
  }

  /**
   * The role a request acts with, as the web console shows it: {@code admin}, {@code read-only}, or
   * {@code admin} for everyone when authentication is off. Only reached after {@link #decide}
   * allowed the request, so an unknown token never gets here.
   */
  public String role(String authorization) {
    if (!enabled) {
      return AdminRole.ADMIN.label();
    }
    AdminRole role = roleOf(authorization);
    return role == null ? "" : role.label();
  }

  private AdminRole roleOf(String authorization) {
    if (authorization == null
        || authorization.length() <= BEARER.length()
        || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return null;
    }
    byte[] presented = digest(authorization.substring(BEARER.length()).strip());
    // Every entry is compared, whatever matched, so the time taken says nothing about which.
    AdminRole found = null;
    for (Entry entry : entries) {
      if (MessageDigest.isEqual(entry.digest(), presented)) {
        found = entry.role();
      }
    }
    return found;
  }

  private static void checkToken(String token, String at) {
    if (token.length() < MIN_TOKEN_LENGTH) {
      throw new AdminConfigException(
          at + "token must be at least " + MIN_TOKEN_LENGTH + " characters long");
    }
    if (!TOKEN.matcher(token).matches()) {
      throw new AdminConfigException(
          at + "token may contain only letters, digits and -._~+/ (then '=' padding)");
    }
  }

  private static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return enabled ? entries.size() + " admin token(s)" : "no admin tokens (authentication off)";
  }
}
