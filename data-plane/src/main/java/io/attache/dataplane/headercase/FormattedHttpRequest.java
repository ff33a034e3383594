package io.attache.dataplane.headercase;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;

/** A request line and headers with the header-case formatter made when they were read. */
public final class FormattedHttpRequest extends DefaultHttpRequest implements FormattedHttpMessage {
  private final KeyFormatter formatter;

  public FormattedHttpRequest(
      HttpVersion version, HttpMethod method, String uri, HttpHeaders headers, KeyFormatter f) {
    super(version, method, uri, headers);
    this.formatter = f;
  }

  @Override
  public KeyFormatter keyFormatter() {
    return formatter;
  }
}
