package io.attache.controlplane.xds;

import com.google.protobuf.Struct;
import io.attache.controlplane.identity.CertificateInfo;
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
      String lastSentVersion,
      String lastSentNonce,
      String lastAckedVersion,
      Nack lastNack,
      long sentRevision,
      long ackedRevision,
      SyncVerdict verdict) {}

  /** A version older than the snapshots the control plane remembers, or none at all. */
  public static final long UNKNOWN_REVISION = -1;

  /**
   * The worst verdict over the types this proxy was sent something for; NOT_SENT if none (a type
   * with nothing to send yet, e.g. routes not named by any listener, does not make it unsynced).
   */
  public SyncVerdict verdict() {
    return types.values().stream()
        .map(TypeStatus::verdict)
        .filter(v -> v != SyncVerdict.NOT_SENT)
        .max(Enum::compareTo)
        .orElse(SyncVerdict.NOT_SENT);
  }

  /**
   * The revision this proxy runs: the oldest revision ACKed over its types (each type's newest
   * revision with the content it ACKed); UNKNOWN_REVISION when any is unknown.
   */
  public long revision() {
    long oldest = Long.MAX_VALUE;
    for (TypeStatus type : types.values()) {
      if (type.verdict() == SyncVerdict.NOT_SENT) {
        continue;
      }
      if (type.ackedRevision() == UNKNOWN_REVISION) {
        return UNKNOWN_REVISION;
      }
      oldest = Math.min(oldest, type.ackedRevision());
    }
    return oldest == Long.MAX_VALUE ? UNKNOWN_REVISION : oldest;
  }

  /** A refused response: the version and nonce refused and Envoy's error_detail message. */
  public record Nack(String version, String nonce, String errorDetail, Instant at) {}
}
