package io.attache.dataplane.server;

import io.attache.dataplane.drain.DrainStrategy;
import io.attache.dataplane.overload.JvmHeap;
import io.attache.dataplane.stats.TagExtractedName;
import io.attache.dataplane.time.TimeSources;
import io.attache.dataplane.xds.UnknownDynamicFields;
import io.attache.dataplane.xds.XdsTransport;
import io.envoyproxy.envoy.admin.v3.CommandLineOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Process-level settings that do not come from the bootstrap — Envoy's command-line flags that mean
 * something here — and what the process injects into everything it builds: its time and randomness,
 * and the transport of the ADS client.
 *
 * @param concurrency worker event loops ({@code --concurrency})
 * @param drainTime how long a drain waits for in-flight requests ({@code --drain-time-s})
 * @param time the ticker, wall clock and random source every component uses
 * @param xdsTransport opens the ADS channel
 * @param drainStrategy how connections are asked to close while draining ({@code --drain-strategy})
 * @param restartEpoch {@code --restart-epoch}, reported only: Attaché never hot-restarts
 * @param unknownDynamicFields {@code --reject-unknown-dynamic-fields} / {@code
 *     --ignore-unknown-dynamic-fields}
 * @param statsTags {@code --stats-tag} tags every stat carries in Prometheus output
 * @param adminAddressPath {@code --admin-address-path}: where to write the admin address once bound
 * @param commandLine every flag as given, for {@code /server_info}
 * @param heap what the overload manager's {@code fixed_heap} monitor reads and its {@code
 *     shrink_heap} action asks of the JVM
 */
public record ProxyOptions(
    int concurrency,
    Duration drainTime,
    TimeSources time,
    XdsTransport xdsTransport,
    DrainStrategy drainStrategy,
    long restartEpoch,
    UnknownDynamicFields unknownDynamicFields,
    List<TagExtractedName.Tag> statsTags,
    Optional<Path> adminAddressPath,
    CommandLineOptions commandLine,
    JvmHeap heap) {

  public ProxyOptions {
    Objects.requireNonNull(drainTime);
    Objects.requireNonNull(time);
    Objects.requireNonNull(xdsTransport);
    Objects.requireNonNull(drainStrategy);
    Objects.requireNonNull(unknownDynamicFields);
    Objects.requireNonNull(adminAddressPath);
    Objects.requireNonNull(commandLine);
    Objects.requireNonNull(heap);
    statsTags = List.copyOf(statsTags);
  }

  /** These flags, on the running JVM's heap. */
  public ProxyOptions(
      int concurrency,
      Duration drainTime,
      TimeSources time,
      XdsTransport xdsTransport,
      DrainStrategy drainStrategy,
      long restartEpoch,
      UnknownDynamicFields unknownDynamicFields,
      List<TagExtractedName.Tag> statsTags,
      Optional<Path> adminAddressPath,
      CommandLineOptions commandLine) {
    this(
        concurrency,
        drainTime,
        time,
        xdsTransport,
        drainStrategy,
        restartEpoch,
        unknownDynamicFields,
        statsTags,
        adminAddressPath,
        commandLine,
        JvmHeap.RUNTIME);
  }

  /** The same options with the overload manager reading (and shrinking) {@code heap}. */
  public ProxyOptions withHeap(JvmHeap heap) {
    return new ProxyOptions(
        concurrency,
        drainTime,
        time,
        xdsTransport,
        drainStrategy,
        restartEpoch,
        unknownDynamicFields,
        statsTags,
        adminAddressPath,
        commandLine,
        heap);
  }

  /** Envoy's defaults for every flag but the worker count and drain time (tests, tools). */
  public ProxyOptions(
      int concurrency, Duration drainTime, TimeSources time, XdsTransport xdsTransport) {
    this(
        concurrency,
        drainTime,
        time,
        xdsTransport,
        DrainStrategy.GRADUAL,
        0,
        UnknownDynamicFields.WARN,
        List.of(),
        Optional.empty(),
        CommandLineOptions.newBuilder()
            .setConcurrency(concurrency)
            .setDrainTime(
                com.google.protobuf.Duration.newBuilder().setSeconds(drainTime.toSeconds()))
            .build());
  }

  /** The real clocks and randomness, a plaintext ADS channel and Envoy's default flags. */
  public ProxyOptions(int concurrency, Duration drainTime) {
    this(concurrency, drainTime, TimeSources.SYSTEM, XdsTransport.PLAINTEXT);
  }
}
