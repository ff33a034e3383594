package io.attache.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What one round of demo traffic saw: status codes, and whether each request carried a single
 * {@code x-request-id} from the edge proxy through every hop, and which callers orders and payments
 * saw: the SPIFFE IDs their proxies proved under mTLS, and the ones their proxies verified in the
 * caller's identity token ({@code x-attache-caller}). Not thread-safe; one sender.
 */
final class Round {

  private final Map<Integer, Integer> statuses = new TreeMap<>();
  private int requests;
  private int consistentIds;
  private final Set<String> ordersCallers = new TreeSet<>();
  private final Set<String> paymentsCallers = new TreeSet<>();
  private final Set<String> ordersTokenCallers = new TreeSet<>();
  private final Set<String> paymentsTokenCallers = new TreeSet<>();

  void record(Http.Reply reply, ObjectMapper json) {
    requests++;
    statuses.merge(reply.status(), 1, Integer::sum);
    if (reply.status() != 200) {
      return;
    }
    try {
      JsonNode web = json.readTree(reply.body());
      String id = reply.header("x-request-id");
      String[] hops = {
        web.path("request_id").asText(),
        web.path("orders").path("request_id").asText(),
        web.path("orders").path("payments").path("request_id").asText()
      };
      ordersCallers.add(web.path("orders").path("caller").asText());
      paymentsCallers.add(web.path("orders").path("payments").path("caller").asText());
      ordersTokenCallers.add(web.path("orders").path("token_caller").asText());
      paymentsTokenCallers.add(web.path("orders").path("payments").path("token_caller").asText());
      boolean same = !id.isEmpty();
      for (String hop : hops) {
        same &= id.equals(hop);
      }
      if (same) {
        consistentIds++;
      }
    } catch (java.io.IOException notJson) {
      // counted as inconsistent
    }
  }

  /** The callers orders' app saw ("" = a caller without a proved identity). */
  Set<String> ordersCallers() {
    return Set.copyOf(ordersCallers);
  }

  /** The callers the payments apps saw ("" = a caller without a proved identity). */
  Set<String> paymentsCallers() {
    return Set.copyOf(paymentsCallers);
  }

  /** The verified token callers orders' app saw ("" = a call without an identity token). */
  Set<String> ordersTokenCallers() {
    return Set.copyOf(ordersTokenCallers);
  }

  /** The verified token callers the payments apps saw ("" = a call without an identity token). */
  Set<String> paymentsTokenCallers() {
    return Set.copyOf(paymentsTokenCallers);
  }

  int failures() {
    return requests - statuses.getOrDefault(200, 0);
  }

  /** Every successful request showed one id at the client and at each of the three apps. */
  boolean requestIdsConsistent() {
    return statuses.getOrDefault(200, 0) > 0 && consistentIds == statuses.getOrDefault(200, 0);
  }

  String summary() {
    StringBuilder s = new StringBuilder(requests + " requests →");
    statuses.forEach((status, count) -> s.append(' ').append(count).append(" × ").append(status));
    return s.toString();
  }
}
