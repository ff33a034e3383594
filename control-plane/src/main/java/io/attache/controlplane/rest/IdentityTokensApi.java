package io.attache.controlplane.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.attache.controlplane.ca.BootstrapTokens;
import io.attache.controlplane.identity.SpiffeId;
import io.attache.controlplane.policy.PolicyRejection;
import io.javalin.Javalin;
import io.javalin.http.Context;

/**
 * REST for bootstrap tokens: issue one for an identity (shown once, in the 201 response, never
 * again), list an identity's tokens (ids and dates only), revoke one. Errors are thrown as {@link
 * PolicyRejection} for the admin API's error mapper. Never logs a token.
 */
final class IdentityTokensApi {

  static final String TOKENS = "/api/v1/identities/{namespace}/{serviceAccount}/tokens";

  private final BootstrapTokens tokens;
  private final String trustDomain;
  private final ObjectMapper mapper = new ObjectMapper();

  IdentityTokensApi(BootstrapTokens tokens, String trustDomain) {
    this.tokens = tokens;
    this.trustDomain = trustDomain;
  }

  void routes(Javalin app) {
    app.post(TOKENS, this::issue);
    app.get(TOKENS, this::list);
    app.delete(TOKENS + "/{id}", this::revoke);
  }

  private void issue(Context ctx) throws PolicyRejection {
    BootstrapTokens.IssuedToken issued = tokens.issue(identity(ctx));
    ObjectNode body = mapper.createObjectNode();
    body.put("id", issued.id());
    body.put("identity", issued.identity().uri());
    body.put("token", issued.token());
    body.put("created_at", issued.createdAt().toString());
    // The one response that carries the token: no cache may keep it.
    ctx.header("Cache-Control", "no-store");
    json(ctx, 201, body);
  }

  private void list(Context ctx) throws PolicyRejection {
    ArrayNode items = mapper.createArrayNode();
    for (BootstrapTokens.TokenInfo token : tokens.list(identity(ctx))) {
      ObjectNode item = items.addObject();
      item.put("id", token.id());
      item.put("identity", token.identity());
      item.put("created_at", token.createdAt().toString());
    }
    ObjectNode body = mapper.createObjectNode();
    body.set("items", items);
    json(ctx, 200, body);
  }

  private void revoke(Context ctx) throws PolicyRejection {
    SpiffeId identity = identity(ctx);
    if (!tokens.revoke(identity, ctx.pathParam("id"))) {
      throw new PolicyRejection(
          PolicyRejection.Reason.NOT_FOUND,
          "id",
          "no token '" + ctx.pathParam("id") + "' for " + identity);
    }
    ctx.status(204);
  }

  private SpiffeId identity(Context ctx) throws PolicyRejection {
    try {
      return new SpiffeId(trustDomain, ctx.pathParam("namespace"), ctx.pathParam("serviceAccount"));
    } catch (IllegalArgumentException e) {
      throw new PolicyRejection(PolicyRejection.Reason.INVALID, "identity", e.getMessage());
    }
  }

  private void json(Context ctx, int status, Object body) {
    try {
      ctx.status(status).contentType("application/json").result(mapper.writeValueAsString(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
