package io.attache.controlplane.xds;

import com.google.protobuf.Struct;
import io.attache.controlplane.ca.CertificateInfo;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the control plane knows of one connected xDS client, as of one moment: an immutable copy,
 * safe to serialise while the stream goes on.
 */
/**
 * {@code metadataProblems}: node metadata the control plane could not use, naming each key. {@code
 * identity}: the SPIFFE ID the stream proved, empty if none; {@code certificate}: what may be shown
 * of that identity's current certificate (never the key), {@link CertificateInfo#NONE} if none.
 */
public record ProxyStatus(
    String nodeId,
    String cluster,
    String userAgent,
    String userAgentVersion,
    Struct metadata,
    String group,
    List<String> metadataProblems,
    Instant connectedSince,
    Map<String, TypeStatus> types,
    String identity,
    CertificateInfo certificate) {

  /**
   * Per resource type: what was last sent, what was last accepted, and the last refusal ({@code
   * lastNack} is null until the client first refuses something).
   */
  public record TypeStatus(
      String lastSentVersion, String lastSentNonce, String lastAckedVersion, Nack lastNack) {}

  /** A refused response: the version and nonce refused and Envoy's error_detail message. */
  public record Nack(String version, String nonce, String errorDetail, Instant at) {}
}
