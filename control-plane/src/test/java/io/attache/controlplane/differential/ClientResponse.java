package io.attache.controlplane.differential;

import java.util.SortedMap;

/** What the client read back: status, the selected response headers (lower-case names), body. */
record ClientResponse(int status, SortedMap<String, String> headers, String body) {}
