package io.attache.dataplane.filter.extauthz;

import java.util.List;
import java.util.Map;

/**
 * What an authorization service answered, in Envoy's terms ({@code Filters::Common::ExtAuthz::
 * Response}): the status, and the header changes it asks for on the request, the response or the
 * local reply. Immutable; built by the gRPC or HTTP client, applied by the filter.
 *
 * @param headersToSet request headers to overwrite (or add)
 * @param headersToAppend request headers to append to (or add)
 * @param headersToAddIfAbsent request headers to add only when absent
 * @param headersToOverwriteIfExists request headers to overwrite only when present
 * @param headersToRemove request headers to remove
 * @param responseHeadersToAdd headers for the client's response (OK only)
 * @param deniedStatus the local reply's status when denied
 * @param deniedBody the local reply's body when denied
 * @param deniedHeaders the local reply's headers when denied
 */
record AuthzVerdict(
    Status status,
    List<Map.Entry<String, String>> headersToSet,
    List<Map.Entry<String, String>> headersToAppend,
    List<Map.Entry<String, String>> headersToAddIfAbsent,
    List<Map.Entry<String, String>> headersToOverwriteIfExists,
    List<String> headersToRemove,
    List<Map.Entry<String, String>> responseHeadersToAdd,
    int deniedStatus,
    String deniedBody,
    List<Map.Entry<String, String>> deniedHeaders) {

  enum Status {
    OK,
    DENIED,
    ERROR
  }

  static final AuthzVerdict ERROR =
      new AuthzVerdict(
          Status.ERROR,
          List.of(),
          List.of(),
          List.of(),
          List.of(),
          List.of(),
          List.of(),
          0,
          "",
          List.of());

  static AuthzVerdict ok(
      List<Map.Entry<String, String>> toSet,
      List<Map.Entry<String, String>> toAppend,
      List<Map.Entry<String, String>> toAddIfAbsent,
      List<Map.Entry<String, String>> toOverwriteIfExists,
      List<String> toRemove,
      List<Map.Entry<String, String>> responseHeadersToAdd) {
    return new AuthzVerdict(
        Status.OK,
        List.copyOf(toSet),
        List.copyOf(toAppend),
        List.copyOf(toAddIfAbsent),
        List.copyOf(toOverwriteIfExists),
        List.copyOf(toRemove),
        List.copyOf(responseHeadersToAdd),
        0,
        "",
        List.of());
  }

  static AuthzVerdict denied(int status, String body, List<Map.Entry<String, String>> headers) {
    return new AuthzVerdict(
        Status.DENIED,
        List.of(),
        List.of(),
        List.of(),
        List.of(),
        List.of(),
        List.of(),
        status,
        body,
        List.copyOf(headers));
  }

  /** True when the verdict changes the request's headers (Envoy then may clear the route cache). */
  boolean mutatesRequest() {
    return !headersToSet.isEmpty()
        || !headersToAppend.isEmpty()
        || !headersToAddIfAbsent.isEmpty()
        || !headersToOverwriteIfExists.isEmpty()
        || !headersToRemove.isEmpty();
  }
}
