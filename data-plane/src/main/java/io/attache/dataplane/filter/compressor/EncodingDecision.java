package io.attache.dataplane.filter.compressor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which encoding a response gets, decided once per stream for every compressor filter of the chain
 * from the request's {@code accept-encoding} q-values and the filters whose content types take the
 * response (Envoy's {@code chooseEncoding}): the highest q wins among the filters' encodings,
 * {@code identity} and {@code *} (a tie goes to the earlier token unless the filter sets {@code
 * choose_first}); {@code q=0} rules an encoding out; {@code *} picks the first filter registered.
 * Immutable.
 *
 * @param encoding the chosen content coding, or {@code identity}
 * @param stat which {@code header_*} counter the decision charges
 */
record EncodingDecision(String encoding, HeaderStat stat) {
  static final String IDENTITY = "identity";
  private static final String WILDCARD = "*";

  /** The {@code header_*} counter a decision charges. */
  enum HeaderStat {
    NOT_VALID,
    IDENTITY,
    WILDCARD,
    VALID_COMPRESSOR
  }

  /** The compressor filters of one stream, in chain order, and their decision once made. */
  static final class Registry {
    static final String KEY = "envoy.filters.http.compressor.registry";
    final List<CompressorConfig> configs = new ArrayList<>(2);
    EncodingDecision decision;
  }

  private record Accepted(String coding, float q) {}

  private record InChain(int registration, boolean chooseFirst) {}

  static EncodingDecision choose(
      List<CompressorConfig> registered, String acceptEncoding, String contentType) {
    Map<String, InChain> allowed = new LinkedHashMap<>();
    for (CompressorConfig config : registered) {
      // A filter whose content types do not take this response is left out of the decision.
      if (contentType != null
          && !contentType.isEmpty()
          && !config.response().contentTypeAllowed(contentType)) {
        continue;
      }
      allowed.putIfAbsent(config.encoding(), new InChain(allowed.size(), config.chooseFirst()));
    }
    List<Accepted> accepted = new ArrayList<>();
    for (String token : acceptEncoding.split(",")) {
      if (token.isEmpty()) {
        continue;
      }
      int semicolon = token.indexOf(';');
      String coding = (semicolon < 0 ? token : token.substring(0, semicolon)).trim();
      float q = 1;
      if (semicolon >= 0) {
        String params = token.substring(semicolon + 1);
        int equals = params.indexOf('=');
        if (equals >= 0 && params.substring(0, equals).trim().equalsIgnoreCase("q")) {
          try {
            q = Float.parseFloat(params.substring(equals + 1).trim());
          } catch (NumberFormatException unparseable) {
            continue; // Envoy skips a token whose q-value does not parse
          }
        }
      }
      accepted.add(new Accepted(coding, q));
      if (q == 0) {
        allowed.remove(coding);
      }
    }
    if (accepted.isEmpty() || allowed.isEmpty()) {
      return new EncodingDecision(IDENTITY, HeaderStat.NOT_VALID);
    }
    Accepted choice = new Accepted(IDENTITY, 0);
    for (Accepted a : accepted) {
      InChain inChain = allowed.get(a.coding());
      if (inChain == null && !a.coding().equals(IDENTITY) && !a.coding().equals(WILDCARD)) {
        continue;
      }
      if (a.q() > choice.q() || (a.q() == choice.q() && inChain != null && inChain.chooseFirst())) {
        choice = a;
      }
    }
    if (choice.q() == 0) {
      return new EncodingDecision(IDENTITY, HeaderStat.NOT_VALID);
    }
    if (choice.coding().equals(IDENTITY)) {
      return new EncodingDecision(IDENTITY, HeaderStat.IDENTITY);
    }
    if (choice.coding().equals(WILDCARD)) {
      return new EncodingDecision(allowed.keySet().iterator().next(), HeaderStat.WILDCARD);
    }
    return new EncodingDecision(choice.coding(), HeaderStat.VALID_COMPRESSOR);
  }
}
