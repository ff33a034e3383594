package io.attache.dataplane.filter;

import io.netty.handler.codec.http.HttpResponse;

/** An encoder filter's handle on its stream. */
public interface StreamEncoderFilterCallbacks extends StreamFilterCallbacks {
  /** Resumes a response this filter stopped: passes on the headers and what the chain held. */
  void continueEncoding();

  /** The response headers, once encoding started; null before. */
  HttpResponse responseHeaders();
}
