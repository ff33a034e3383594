package io.attache.dataplane.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.time.RandomSource;
import io.netty.handler.codec.http.HttpRequest;
import org.junit.jupiter.api.Test;

class CompiledRoutingTest {
  @Test
  void routingCompilesNoRegexPerRequest() {
    RouteTable table =
        TestConfigs.routes(
            "[{\"match\":{\"safe_regex\":{\"regex\":\"/users/[0-9]+\"},\"headers\":[{\"name\":\"x-v\",\"string_match\":{\"safe_regex\":{\"regex\":\"v[0-9]\"}}}]},"
                + "\"route\":{\"cluster\":\"users\",\"regex_rewrite\":{\"pattern\":{\"regex\":\"^/users/(.*)$\"},\"substitution\":\"/u/\\\\1\"},"
                + "\"hash_policy\":[{\"header\":{\"header_name\":\"x-v\",\"regex_rewrite\":{\"pattern\":{\"regex\":\"v\"},\"substitution\":\"\"}}}]}},"
                + "{\"match\":{\"prefix\":\"/\"},\"redirect\":{\"regex_rewrite\":{\"pattern\":{\"regex\":\"x\"},\"substitution\":\"y\"}}}]");
    long before = io.attache.dataplane.matcher.Regex.compilations();
    RandomSource random = RandomSource.seeded(5);
    for (int i = 0; i < 1_000; i++) {
      HttpRequest request = TestConfigs.get("h", "/users/" + i);
      request.headers().set("x-v", "v1");
      RouteDecision.Forward forward = (RouteDecision.Forward) table.route(request, random);
      assertThat(forward.rewrittenPath()).contains("/u/" + i);
      assertThat(table.route(TestConfigs.get("h", "/x"), random))
          .isInstanceOf(RouteDecision.Redirect.class);
    }
    assertThat(io.attache.dataplane.matcher.Regex.compilations()).isEqualTo(before);
  }
}
