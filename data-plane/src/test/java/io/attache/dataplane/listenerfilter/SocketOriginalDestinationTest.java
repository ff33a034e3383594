package io.attache.dataplane.listenerfilter;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.transport.Transports;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SocketOriginalDestinationTest {

  @Test
  void readsAnIpv4SockaddrAsTheKernelWritesIt() {
    ByteBuffer sockaddr = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
    sockaddr.putShort((short) 2); // AF_INET, host order
    sockaddr.order(ByteOrder.BIG_ENDIAN).putShort((short) 8080);
    sockaddr.put(new byte[] {10, 96, 0, 10});

    assertThat(SocketOriginalDestination.parse(sockaddr.array(), 16))
        .contains(new InetSocketAddress("10.96.0.10", 8080));
  }

  @Test
  void readsAnIpv6SockaddrAsTheKernelWritesIt() {
    ByteBuffer sockaddr = ByteBuffer.allocate(28).order(ByteOrder.nativeOrder());
    sockaddr.putShort((short) 10); // AF_INET6, host order
    sockaddr.order(ByteOrder.BIG_ENDIAN).putShort((short) 443);
    sockaddr.putInt(0); // flow info
    byte[] ip = new byte[16];
    ip[0] = (byte) 0xfd;
    ip[15] = 0x11;
    sockaddr.put(ip);

    assertThat(SocketOriginalDestination.parse(sockaddr.array(), 28))
        .contains(new InetSocketAddress("fd00::11", 443));
  }

  @Test
  void refusesAFamilyItDoesNotKnowOrAShortAnswer() {
    assertThat(SocketOriginalDestination.parse(new byte[16], 16)).isEmpty();
    assertThat(SocketOriginalDestination.parse(new byte[16], 2)).isEmpty();
  }

  @Test
  void isAvailableOnLinuxWithTheNativeTransportAndOtherwiseSaysWhy() {
    boolean linux = System.getProperty("os.name").toLowerCase().contains("linux");
    if (linux && Transports.nativeEpoll()) {
      assertThat(SocketOriginalDestination.unavailable()).isEmpty();
      assertThat(SocketOriginalDestination.available()).isPresent();
    } else {
      assertThat(SocketOriginalDestination.unavailable()).get().asString().isNotBlank();
      assertThat(SocketOriginalDestination.available()).isEmpty();
    }
  }

  @Test
  void aConnectionThatWasNotRedirectedKeepsItsOwnLocalAddress() throws Exception {
    Optional<OriginalDestination> lookup = SocketOriginalDestination.available();
    assertThat(lookup).as(SocketOriginalDestination.unavailable().orElse("")).isPresent();
    EventLoopGroup group = Transports.newEventLoopGroup(1, "original-dst-test");
    CompletableFuture<Optional<InetSocketAddress>> found = new CompletableFuture<>();
    try {
      Channel server =
          new ServerBootstrap()
              .group(group)
              .channel(Transports.serverSocketChannel())
              .childHandler(
                  new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel accepted) {
                      found.complete(
                          lookup
                              .get()
                              .lookup(accepted)
                              .filter(a -> !a.equals(accepted.localAddress())));
                    }
                  })
              .bind("127.0.0.1", 0)
              .sync()
              .channel();
      Channel client =
          new Bootstrap()
              .group(group)
              .channel(Transports.socketChannel())
              .handler(
                  new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {}
                  })
              .connect(server.localAddress())
              .sync()
              .channel();
      // No NAT: either no answer (no conntrack entry) or the address the client reached anyway.
      assertThat(found.get(10, TimeUnit.SECONDS)).isEmpty();
      client.close().sync();
      server.close().sync();
    } finally {
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
    }
  }
}
