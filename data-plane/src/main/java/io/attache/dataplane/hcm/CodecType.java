package io.attache.dataplane.hcm;

/** HCM {@code codec_type}: which downstream HTTP codec a listener speaks. */
public enum CodecType {
  /** Sniff the connection preface: HTTP/2 prior knowledge, else HTTP/1.1 (with h2c upgrade). */
  AUTO,
  HTTP1,
  HTTP2
}
