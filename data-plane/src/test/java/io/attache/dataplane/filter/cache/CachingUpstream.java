package io.attache.dataplane.filter.cache;

import io.attache.dataplane.testing.TestHttpServer.Received;
import io.attache.dataplane.testing.TestHttpServer.Reply;
import io.netty.handler.codec.DateFormatter;
import java.util.Date;
import java.util.function.Function;

/**
 * An origin for the cache's socket tests: every answer carries {@code date} (now), {@code etag:
 * "v1"} and a {@code cache-control} chosen by the path — {@code /no-cache...}: {@code no-cache},
 * {@code /private...}: {@code private, max-age=60}, {@code /vary...}: {@code max-age=60} with
 * {@code vary: accept}, anything else {@code max-age=60} — and a request that already holds the
 * etag in {@code if-none-match} gets a 304. The body names the method and path.
 */
final class CachingUpstream {
  static final String ETAG = "\"v1\"";

  private CachingUpstream() {}

  static Function<Received, Reply> handler() {
    return r -> {
      String path = r.uri();
      String cacheControl =
          path.startsWith("/no-cache")
              ? "no-cache"
              : path.startsWith("/private") ? "private, max-age=60" : "max-age=60";
      Reply reply =
          ETAG.equals(r.headers().get("if-none-match"))
              ? Reply.status(304)
              : Reply.ok(r.method() + " " + path);
      reply =
          reply
              .withHeader("date", DateFormatter.format(new Date()))
              .withHeader("cache-control", cacheControl)
              .withHeader("etag", ETAG);
      if (path.startsWith("/vary")) {
        reply = reply.withHeader("vary", "accept");
      }
      return reply;
    };
  }
}
