package io.attache.dataplane.admin;

import com.google.protobuf.Message;
import java.util.List;

/**
 * Supplies the messages {@code /config_dump} packs into an {@code admin.v3.ConfigDump}, normally a
 * {@code BootstrapConfigDump}, {@code ClustersConfigDump}, {@code ListenersConfigDump} and {@code
 * RoutesConfigDump} built from the currently applied snapshot. Called on the admin thread; must
 * only read the immutable snapshot.
 */
@FunctionalInterface
public interface ConfigDumpSource {
  ConfigDumpSource NONE = List::of;

  List<Message> configs();
}
