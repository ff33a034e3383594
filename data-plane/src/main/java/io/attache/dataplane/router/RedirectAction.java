package io.attache.dataplane.router;

/**
 * A compiled {@code RedirectAction}, building the {@code location} as Envoy does: scheme from
 * {@code scheme_redirect}/{@code https_redirect} else the request's; host from {@code
 * host_redirect} else the request's authority, whose port is dropped when {@code port_redirect} is
 * set or when the scheme changes and the port was the old scheme's default; path from {@code
 * path_redirect} (its own query wins and is never stripped; otherwise the request's query is kept
 * unless {@code strip_query}) or the request path after {@code prefix_rewrite}/{@code
 * regex_rewrite}. Immutable.
 */
final class RedirectAction implements CompiledRoute.Action {
  private final String schemeRedirect;
  private final String hostRedirect;
  private final String portSuffix;
  private final String pathRedirect;
  private final boolean pathRedirectHasQuery;
  private final PathRewrite pathRewrite;
  private final boolean stripQuery;
  private final int status;
  private final HeaderMutations responseMutations;
  private final String routeName;

  RedirectAction(
      String schemeRedirect,
      String hostRedirect,
      int portRedirect,
      String pathRedirect,
      PathRewrite pathRewrite,
      boolean stripQuery,
      int status,
      HeaderMutations responseMutations,
      String routeName) {
    this.schemeRedirect = schemeRedirect;
    this.hostRedirect = hostRedirect;
    this.portSuffix = portRedirect == 0 ? "" : ":" + portRedirect;
    this.pathRedirect = pathRedirect;
    this.pathRedirectHasQuery = pathRedirect.indexOf('?') >= 0;
    this.pathRewrite = pathRewrite;
    this.stripQuery = stripQuery;
    this.status = status;
    this.responseMutations = responseMutations;
    this.routeName = routeName;
  }

  @Override
  public RouteDecision decide(RequestView request, PathMatch pathMatch) {
    String scheme = schemeRedirect.isEmpty() ? request.scheme : schemeRedirect;
    String host = hostRedirect.isEmpty() ? requestHost(request, scheme) : hostRedirect;
    String path;
    if (!pathRedirect.isEmpty()) {
      if (pathRedirectHasQuery) {
        path = pathRedirect;
      } else {
        int query = request.uri.indexOf('?');
        path = query < 0 ? pathRedirect : pathRedirect + request.uri.substring(query);
      }
    } else {
      String rewritten = pathRewrite.apply(request.uri, pathMatch.rewrittenLength(request));
      path = rewritten != null ? rewritten : request.uri;
    }
    if (!path.startsWith("/")) {
      path = "/" + path;
    }
    if (!pathRedirectHasQuery && stripQuery) {
      int query = path.indexOf('?');
      if (query >= 0) {
        path = path.substring(0, query);
      }
    }
    return new RouteDecision.Redirect(
        status, scheme + "://" + host + portSuffix + path, responseMutations, routeName);
  }

  private String requestHost(RequestView request, String newScheme) {
    String host = request.authority;
    int portStart = RouteTable.portStart(host);
    if (portStart < 0) {
      return host;
    }
    String port = host.substring(portStart);
    boolean removePort = !portSuffix.isEmpty();
    if (!newScheme.equals(request.scheme)) {
      removePort |= request.scheme.equals("https") && port.equals(":443");
      removePort |= request.scheme.equals("http") && port.equals(":80");
    }
    return removePort ? host.substring(0, portStart) : host;
  }
}
