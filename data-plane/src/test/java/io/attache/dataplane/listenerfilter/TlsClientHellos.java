package io.attache.dataplane.listenerfilter;

import java.nio.ByteBuffer;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/** Real TLS ClientHello bytes, as the JDK's TLS client writes them, for inspector tests. */
public final class TlsClientHellos {
  private TlsClientHellos() {}

  /** The first flight of a TLS client: one record holding a ClientHello. */
  public static byte[] clientHello(String serverName, String... alpn) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, null, null);
    SSLEngine engine = context.createSSLEngine();
    engine.setUseClientMode(true);
    SSLParameters parameters = engine.getSSLParameters();
    if (!serverName.isEmpty()) {
      parameters.setServerNames(List.of(new SNIHostName(serverName)));
    }
    parameters.setApplicationProtocols(alpn);
    engine.setSSLParameters(parameters);
    ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
    engine.beginHandshake();
    engine.wrap(ByteBuffer.allocate(0), out);
    out.flip();
    byte[] bytes = new byte[out.remaining()];
    out.get(bytes);
    return bytes;
  }
}
