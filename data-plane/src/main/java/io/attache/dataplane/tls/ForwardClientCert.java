package io.attache.dataplane.tls;

import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * The HCM's {@code forward_client_cert_details} and {@code set_current_client_cert_details}: what
 * becomes of {@code x-forwarded-client-cert} on a request, with Envoy's element format ({@code
 * By=...;Hash=...;Cert="...";Chain="...";Subject="...";URI=...;DNS=...}). A value the client sent
 * is never trusted unless the mode says to forward it. Immutable; applied on the event loop.
 */
public record ForwardClientCert(Mode mode, Details details) {
  public static final String HEADER = "x-forwarded-client-cert";

  /** {@code forward_client_cert_details}. */
  public enum Mode {
    SANITIZE,
    FORWARD_ONLY,
    APPEND_FORWARD,
    SANITIZE_SET,
    ALWAYS_FORWARD_ONLY
  }

  /** {@code set_current_client_cert_details}. */
  public record Details(boolean subject, boolean cert, boolean chain, boolean dns, boolean uri) {
    public static final Details NONE = new Details(false, false, false, false, false);
  }

  public static final ForwardClientCert DEFAULT =
      new ForwardClientCert(Mode.SANITIZE, Details.NONE);

  public static ForwardClientCert from(HttpConnectionManager hcm) {
    Mode mode =
        switch (hcm.getForwardClientCertDetails()) {
          case FORWARD_ONLY -> Mode.FORWARD_ONLY;
          case APPEND_FORWARD -> Mode.APPEND_FORWARD;
          case SANITIZE_SET -> Mode.SANITIZE_SET;
          case ALWAYS_FORWARD_ONLY -> Mode.ALWAYS_FORWARD_ONLY;
          default -> Mode.SANITIZE;
        };
    var d = hcm.getSetCurrentClientCertDetails();
    return new ForwardClientCert(
        mode,
        new Details(
            d.hasSubject() && d.getSubject().getValue(),
            d.getCert(),
            d.getChain(),
            d.getDns(),
            d.getUri()));
  }

  /** Rewrites the request's XFCC header for a stream on a connection with {@code tls}. */
  public void apply(HttpHeaders headers, TlsSession tls) {
    if (mode == Mode.ALWAYS_FORWARD_ONLY) {
      return;
    }
    // Without mutual TLS Envoy sanitizes in every other mode.
    if (mode == Mode.SANITIZE || !tls.mutual()) {
      headers.remove(HEADER);
      return;
    }
    switch (mode) {
      case FORWARD_ONLY -> {}
      case APPEND_FORWARD -> {
        String previous = headers.get(HEADER);
        String element = element(tls);
        headers.set(
            HEADER, previous == null || previous.isEmpty() ? element : previous + "," + element);
      }
      case SANITIZE_SET -> headers.set(HEADER, element(tls));
      default -> headers.remove(HEADER);
    }
  }

  /** This hop's element: By and Hash always, the rest as {@code details} asks. */
  String element(TlsSession tls) {
    X509Certificate peer = tls.peerChain().get(0);
    List<String> parts = new ArrayList<>();
    for (String by : tls.localUriSans()) {
      parts.add("By=" + by);
    }
    parts.add("Hash=" + sha256Hex(peer));
    if (details.cert()) {
      parts.add("Cert=\"" + urlEncodedPem(List.of(peer)) + "\"");
    }
    if (details.chain()) {
      parts.add("Chain=\"" + urlEncodedPem(tls.peerChain()) + "\"");
    }
    if (details.subject()) {
      parts.add("Subject=\"" + peer.getSubjectX500Principal().getName() + "\"");
    }
    if (details.uri()) {
      for (String uri : tls.peer().uriSans()) {
        parts.add("URI=" + uri);
      }
    }
    if (details.dns()) {
      for (String dns : tls.peer().dnsSans()) {
        parts.add("DNS=" + dns);
      }
    }
    return String.join(";", parts);
  }

  static String sha256Hex(X509Certificate certificate) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
    } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
      throw new IllegalStateException("cannot hash a verified certificate", e);
    }
  }

  private static String urlEncodedPem(List<X509Certificate> chain) {
    StringBuilder pem = new StringBuilder();
    Base64.Encoder encoder = Base64.getMimeEncoder(64, new byte[] {'\n'});
    for (X509Certificate c : chain) {
      try {
        pem.append("-----BEGIN CERTIFICATE-----\n")
            .append(encoder.encodeToString(c.getEncoded()))
            .append("\n-----END CERTIFICATE-----\n");
      } catch (CertificateEncodingException e) {
        throw new IllegalStateException("cannot encode a verified certificate", e);
      }
    }
    return URLEncoder.encode(pem.toString(), StandardCharsets.UTF_8).replace("+", "%20");
  }
}
