package io.attache.dataplane.filter.router;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.filter.HttpFilterFactory;
import io.attache.dataplane.filter.HttpFilterType;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;

/**
 * {@code envoy.filters.http.router}: the terminal filter. Its {@code Router} config is checked for
 * shape only; which of its fields Attaché honours is the support matrix's business.
 */
public final class RouterFilterType implements HttpFilterType<Router> {
  public static final String TYPE_URL =
      "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";
  public static final String NAME = "envoy.filters.http.router";
  public static final RouterFilterType INSTANCE = new RouterFilterType();

  private RouterFilterType() {}

  @Override
  public String canonicalName() {
    return NAME;
  }

  @Override
  public String configTypeUrl() {
    return TYPE_URL;
  }

  @Override
  public Router parse(String filterName, Any typedConfig, String path) throws ConfigException {
    if (typedConfig.getTypeUrl().isEmpty()) {
      return Router.getDefaultInstance();
    }
    try {
      return typedConfig.unpack(Router.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a Router: " + e.getMessage());
    }
  }

  @Override
  public HttpFilterFactory factory(Router config, FilterFactoryContext context) {
    return new RouterFilterFactory(context);
  }

  @Override
  public boolean terminal() {
    return true;
  }
}
