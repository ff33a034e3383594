package io.attache.controlplane.rest;

import java.util.ArrayList;
import java.util.List;

/**
 * Who may use the admin API ({@link AdminTokens}) and how it listens ({@link AdminTls}), fixed at
 * start-up. {@link #NONE} is today's behaviour: plain HTTP, no tokens.
 */
public record AdminSecurity(AdminTokens tokens, AdminTls tls) {

  public static final AdminSecurity NONE = new AdminSecurity(AdminTokens.NONE, AdminTls.PLAINTEXT);

  /** What an operator should be told at start-up about an API left open. */
  public List<String> startupWarnings(String host, int port) {
    List<String> warnings = new ArrayList<>();
    if (!tokens.enabled()) {
      warnings.add(
          "the REST admin API on "
              + host
              + ":"
              + port
              + " is UNAUTHENTICATED: anyone who can reach it can change policy;"
              + " start with --admin-token-file (or ATTACHE_ADMIN_TOKEN) to require bearer tokens");
    }
    if (tokens.enabled() && !tls.enabled()) {
      warnings.add(
          "the REST admin API on "
              + host
              + ":"
              + port
              + " takes bearer tokens over plain HTTP; add --admin-tls-cert and --admin-tls-key"
              + " unless it is only reachable on a trusted network");
    }
    return warnings;
  }
}
