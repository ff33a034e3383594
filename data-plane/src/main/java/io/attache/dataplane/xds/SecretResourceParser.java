package io.attache.dataplane.xds;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.tls.TlsSecret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.List;

/**
 * SDS: a Secret is valid when its certificate and key, or its trust bundle and SAN matchers, parse
 * ({@link TlsSecret#from}). A bad secret is NACKed and the previous one keeps serving. Pure.
 */
final class SecretResourceParser extends ResourceParser<Secret> {
  SecretResourceParser() {
    super(XdsResourceType.SECRET, Secret.class, "secrets");
  }

  @Override
  String nameOf(Secret proto) {
    return proto.getName();
  }

  @Override
  List<Dependency> validate(Secret proto, String name, String path) throws ConfigException {
    TlsSecret.from(proto, path);
    return List.of();
  }

  /** What a TLS-using resource waits for: each SDS secret its contexts name. */
  static List<Dependency> dependencies(List<io.attache.dataplane.tls.SecretSource.Named<?>> sds) {
    return sds.stream()
        .map(
            n ->
                new Dependency(
                    XdsResourceType.SECRET,
                    n.name(),
                    n.initialFetchTimeout(),
                    "sds." + n.name() + "."))
        .toList();
  }
}
