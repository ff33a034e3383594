package io.attache.dataplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.config.FieldSupport.Finding;
import io.attache.dataplane.config.FieldSupport.Status;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.util.List;
import org.junit.jupiter.api.Test;

class FieldSupportTest {

  @Test
  void reportsIgnoredAndRejectedFieldsByPathAndWalksOnlyHonouredOnes() throws Exception {
    Bootstrap b =
        BootstrapLoader.parse(
            """
            node: { id: a, user_agent_name: custom }
            enable_dispatcher_stats: true
            static_resources:
              secrets: [{ name: s, session_ticket_keys: { keys: [{ inline_string: x }] } }]
            """,
            false);

    List<Finding> findings = SupportMatrix.get().check(b, "");

    assertThat(findings)
        .extracting(Finding::path, Finding::status)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("node.user_agent_name", Status.IGNORED),
            org.assertj.core.groups.Tuple.tuple("enable_dispatcher_stats", Status.IGNORED),
            org.assertj.core.groups.Tuple.tuple(
                "static_resources.secrets[0].session_ticket_keys", Status.REJECTED));
  }

  @Test
  void unpacksTypedConfigsToCheckTheirFields() throws Exception {
    Bootstrap b =
        BootstrapLoader.parse(
            """
            static_resources:
              listeners:
              - address: { socket_address: { address: 127.0.0.1, port_value: 1 } }
                filter_chains:
                - filters:
                  - name: hcm
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                      stat_prefix: x
                      upgrade_configs:
                      - upgrade_type: websocket
                        filters: [ { name: envoy.filters.http.router } ]
            """,
            false);

    List<Finding> findings = SupportMatrix.get().check(b, "");

    assertThat(findings)
        .extracting(Finding::path)
        .containsExactly(
            "static_resources.listeners[0].filter_chains[0].filters[0].typed_config"
                + ".upgrade_configs[0].filters");
    assertThat(findings.get(0).status()).isEqualTo(Status.REJECTED);
  }
}
