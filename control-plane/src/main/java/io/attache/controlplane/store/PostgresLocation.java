package io.attache.controlplane.store;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Where the shared PostgreSQL store is and how to log in, parsed once from {@code --store}: a libpq
 * connection URI ({@code postgresql://user@host:5432/db?sslmode=require}, several {@code host:port}
 * pairs allowed) or a pgJDBC URL ({@code jdbc:postgresql://...}). The password never comes from the
 * command line: it is read from a file or {@code PGPASSWORD}, and a URI that carries one is
 * refused. Never prints the password: {@link #toString()} is the display form.
 */
public final class PostgresLocation {

  /** The libpq environment variable for the password, as psql reads it. */
  public static final String PASSWORD_ENV = "PGPASSWORD";

  /** The libpq environment variable for the user when the URI names none. */
  public static final String USER_ENV = "PGUSER";

  /** libpq URI parameters and the pgJDBC property each one becomes. */
  private static final Map<String, String> LIBPQ_PARAMETERS =
      Map.of(
          "sslmode", "sslmode",
          "sslrootcert", "sslrootcert",
          "sslcert", "sslcert",
          "sslkey", "sslkey",
          "application_name", "ApplicationName",
          "connect_timeout", "connectTimeout",
          "target_session_attrs", "targetServerType",
          "options", "options");

  /** libpq {@code target_session_attrs} values, as pgJDBC {@code targetServerType} spells them. */
  private static final Map<String, String> TARGET_SESSION_ATTRS =
      Map.of(
          "any", "any",
          "read-write", "primary",
          "primary", "primary",
          "read-only", "secondary",
          "standby", "secondary",
          "prefer-standby", "preferSecondary");

  private final String jdbcUrl;
  private final String user;
  private final Optional<String> password;
  private final Map<String, String> properties;
  private final String display;

  private PostgresLocation(
      String jdbcUrl,
      String user,
      Optional<String> password,
      Map<String, String> properties,
      String display) {
    this.jdbcUrl = jdbcUrl;
    this.user = user;
    this.password = password;
    this.properties = Map.copyOf(properties);
    this.display = display;
  }

  /** Whether {@code --store} names a PostgreSQL store rather than the embedded one. */
  public static boolean isPostgres(String store) {
    String lower = store.toLowerCase(Locale.ROOT);
    return lower.startsWith("postgresql://")
        || lower.startsWith("postgres://")
        || lower.startsWith("jdbc:postgresql:");
  }

  /**
   * Parses {@code store}; the password comes from {@code passwordFile} (its first line) if given,
   * else from {@code PGPASSWORD} in {@code environment}, else there is none (trust, peer or
   * certificate authentication).
   */
  public static PostgresLocation parse(
      String store, Map<String, String> environment, Optional<Path> passwordFile) {
    Optional<String> password = password(environment, passwordFile);
    String lower = store.toLowerCase(Locale.ROOT);
    if (lower.startsWith("jdbc:postgresql:")) {
      return fromJdbcUrl(store, environment, password);
    }
    if (lower.startsWith("postgresql://") || lower.startsWith("postgres://")) {
      return fromLibpqUri(store, environment, password);
    }
    throw new IllegalArgumentException(
        "'" + store + "' is not a postgresql:// URI or a jdbc:postgresql: URL");
  }

  /** The pgJDBC URL, without credentials. */
  public String jdbcUrl() {
    return jdbcUrl;
  }

  public String user() {
    return user;
  }

  /** User, password and the URI's parameters, as the driver takes them. */
  public Properties connectionProperties() {
    Properties props = new Properties();
    props.putAll(properties);
    props.setProperty("user", user);
    password.ifPresent(p -> props.setProperty("password", p));
    return props;
  }

  /** The pgJDBC properties from the URI's parameters (not user or password). */
  public Map<String, String> parameters() {
    return properties;
  }

  public boolean hasPassword() {
    return password.isPresent();
  }

  /** {@code postgresql://user@host:port/db}: safe to log. */
  @Override
  public String toString() {
    return display;
  }

  private static PostgresLocation fromLibpqUri(
      String uri, Map<String, String> environment, Optional<String> password) {
    String rest = uri.substring(uri.indexOf("://") + 3);
    String query = "";
    int questionMark = rest.indexOf('?');
    if (questionMark >= 0) {
      query = rest.substring(questionMark + 1);
      rest = rest.substring(0, questionMark);
    }
    String database = "";
    int slash = rest.indexOf('/');
    if (slash >= 0) {
      database = decode(rest.substring(slash + 1));
      rest = rest.substring(0, slash);
    }
    String user = "";
    int at = rest.lastIndexOf('@');
    if (at >= 0) {
      String userInfo = rest.substring(0, at);
      rest = rest.substring(at + 1);
      if (userInfo.contains(":")) {
        throw new IllegalArgumentException(
            "the store URI carries a password; give it in "
                + PASSWORD_ENV
                + " or --store-password-file instead, never on the command line");
      }
      user = decode(userInfo);
    }
    List<String> hosts = hosts(rest);
    Map<String, String> properties = new LinkedHashMap<>();
    for (String pair : query.isEmpty() ? new String[0] : query.split("&")) {
      int equals = pair.indexOf('=');
      String key = decode(equals < 0 ? pair : pair.substring(0, equals));
      String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
      switch (key) {
        case "password" ->
            throw new IllegalArgumentException(
                "the store URI carries a password; give it in "
                    + PASSWORD_ENV
                    + " or --store-password-file instead, never on the command line");
        case "user" -> user = value;
        case "dbname" -> database = value;
        case "target_session_attrs" -> {
          String target = TARGET_SESSION_ATTRS.get(value);
          if (target == null) {
            throw new IllegalArgumentException(
                "target_session_attrs must be one of "
                    + String.join(", ", TARGET_SESSION_ATTRS.keySet())
                    + ", not '"
                    + value
                    + "'");
          }
          properties.put("targetServerType", target);
        }
        default -> {
          String property = LIBPQ_PARAMETERS.get(key);
          if (property == null) {
            throw new IllegalArgumentException(
                "unsupported store URI parameter '"
                    + key
                    + "'; supported: dbname, user, target_session_attrs, "
                    + String.join(", ", LIBPQ_PARAMETERS.keySet().stream().sorted().toList()));
          }
          properties.put(property, value);
        }
      }
    }
    if (user.isEmpty()) {
      user = environment.getOrDefault(USER_ENV, "");
    }
    if (user.isEmpty()) {
      throw new IllegalArgumentException(
          "name the database user: postgresql://USER@host:5432/db (or set " + USER_ENV + ")");
    }
    if (database.isEmpty()) {
      database = user; // libpq's default
    }
    String hostList = String.join(",", hosts);
    String jdbcUrl =
        "jdbc:postgresql://"
            + hostList
            + "/"
            + java.net.URLEncoder.encode(database, StandardCharsets.UTF_8);
    return new PostgresLocation(
        jdbcUrl,
        user,
        password,
        properties,
        "postgresql://" + user + "@" + hostList + "/" + database);
  }

  private static List<String> hosts(String hostList) {
    List<String> hosts = new ArrayList<>();
    for (String host : (hostList.isEmpty() ? "localhost" : hostList).split(",")) {
      String h = decode(host.strip());
      if (h.isEmpty()) {
        throw new IllegalArgumentException("empty host in the store URI");
      }
      boolean bracketed = h.startsWith("[");
      int portColon = bracketed ? h.indexOf("]:") + 1 : h.lastIndexOf(':');
      if (bracketed && h.indexOf(']') < 0) {
        throw new IllegalArgumentException("unterminated IPv6 address '" + h + "'");
      }
      if (portColon <= 0) {
        hosts.add(h + ":5432");
        continue;
      }
      String port = h.substring(portColon + 1);
      try {
        int value = Integer.parseInt(port);
        if (value < 1 || value > 65535) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + port + "' is not a port in the store URI");
      }
      hosts.add(h);
    }
    return hosts;
  }

  private static PostgresLocation fromJdbcUrl(
      String url, Map<String, String> environment, Optional<String> password) {
    String lower = url.toLowerCase(Locale.ROOT);
    if (lower.contains("password=")) {
      throw new IllegalArgumentException(
          "the store URL carries a password; give it in "
              + PASSWORD_ENV
              + " or --store-password-file instead, never on the command line");
    }
    String user = "";
    int questionMark = url.indexOf('?');
    String base = questionMark < 0 ? url : url.substring(0, questionMark);
    List<String> kept = new ArrayList<>();
    if (questionMark >= 0) {
      for (String pair : url.substring(questionMark + 1).split("&")) {
        if (pair.toLowerCase(Locale.ROOT).startsWith("user=")) {
          user = decode(pair.substring(5));
        } else if (!pair.isEmpty()) {
          kept.add(pair);
        }
      }
    }
    if (user.isEmpty()) {
      user = environment.getOrDefault(USER_ENV, "");
    }
    if (user.isEmpty()) {
      throw new IllegalArgumentException(
          "name the database user: jdbc:postgresql://host:5432/db?user=USER (or set "
              + USER_ENV
              + ")");
    }
    String jdbcUrl = kept.isEmpty() ? base : base + "?" + String.join("&", kept);
    String display = base.substring("jdbc:".length()).replaceFirst("//", "//" + user + "@");
    return new PostgresLocation(jdbcUrl, user, password, Map.of(), display);
  }

  private static Optional<String> password(
      Map<String, String> environment, Optional<Path> passwordFile) {
    if (passwordFile.isPresent()) {
      try {
        List<String> lines = Files.readAllLines(passwordFile.get(), StandardCharsets.UTF_8);
        if (lines.isEmpty() || lines.get(0).isEmpty()) {
          throw new IllegalArgumentException(passwordFile.get() + " is empty");
        }
        return Optional.of(lines.get(0));
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "cannot read the store password file " + passwordFile.get() + ": " + e, e);
      }
    }
    String fromEnvironment = environment.get(PASSWORD_ENV);
    return fromEnvironment == null || fromEnvironment.isEmpty()
        ? Optional.empty()
        : Optional.of(fromEnvironment);
  }

  private static String decode(String value) {
    return URLDecoder.decode(value.replace("+", "%2B"), StandardCharsets.UTF_8);
  }
}
