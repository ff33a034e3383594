package io.attache.controlplane.rest;

import io.attache.controlplane.policy.PolicyRejection;
import io.javalin.http.Context;
import java.util.Locale;
import java.util.Set;

/** The request body types the admin API reads, and the 415 for every other one. */
final class MediaTypes {

  static final Set<String> YAML =
      Set.of("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml");
  static final String JSON = "application/json";
  static final String MERGE_PATCH = "application/merge-patch+json";

  private MediaTypes() {}

  /** The media type without parameters, lower case; empty when absent. */
  static String of(Context ctx) {
    String type = ctx.contentType();
    return type == null ? "" : type.toLowerCase(Locale.ROOT).split(";")[0].trim();
  }

  /** True for JSON, false for YAML; 415 for anything else. */
  static boolean bodyIsJson(Context ctx, boolean yamlAllowed) throws PolicyRejection {
    String type = of(ctx);
    if (type.equals(JSON)) {
      return true;
    }
    if (yamlAllowed && YAML.contains(type)) {
      return false;
    }
    throw new PolicyRejection(
        PolicyRejection.Reason.UNSUPPORTED_MEDIA_TYPE,
        "Content-Type",
        "Content-Type must be application/json"
            + (yamlAllowed ? " or application/yaml" : "")
            + ", not "
            + (type.isEmpty() ? "absent" : type));
  }
}
