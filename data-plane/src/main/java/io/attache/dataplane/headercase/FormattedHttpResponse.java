package io.attache.dataplane.headercase;

import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/** A status line and headers with the header-case formatter made when they were read. */
public final class FormattedHttpResponse extends DefaultHttpResponse
    implements FormattedHttpMessage {
  private final KeyFormatter formatter;

  public FormattedHttpResponse(
      HttpVersion version, HttpResponseStatus status, HttpHeaders headers, KeyFormatter f) {
    super(version, status, headers);
    this.formatter = f;
  }

  @Override
  public KeyFormatter keyFormatter() {
    return formatter;
  }
}
