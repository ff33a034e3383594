package io.attache.demo;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the demo ITs that run {@code ./attache up} as a child process share: a port base whose every
 * demo port is free, and stopping the demo with its children. Never starts a demo itself.
 */
final class DemoRuns {
  private DemoRuns() {}

  /**
   * The first base from {@code from} up, in steps of 1000, at which every demo port is free. Bases
   * up to 29000 keep every demo port (base − 5900 to base + 3080) below Linux's ephemeral range
   * (32768–60999), so no outgoing connection of another process takes one between this probe and
   * the demo's bind.
   */
  static int freePortBase(int from) {
    for (int base = from; base <= 60_000; base += 1_000) {
      int shift = base - MeshDemo.DEFAULT_PORT_BASE;
      boolean free = true;
      for (int port : DemoTopology.allPorts()) {
        try (ServerSocket probe = new ServerSocket()) {
          probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port + shift));
        } catch (IOException taken) {
          free = false;
          break;
        }
      }
      if (free) {
        return base;
      }
    }
    throw new AssertionError("no port base from " + from + " to 60000 has every demo port free");
  }

  /** SIGTERM (the demo's shutdown hook stops its children), then force what is left. */
  static void stop(Process demo) throws InterruptedException {
    List<ProcessHandle> children = demo.descendants().toList();
    demo.destroy();
    if (!demo.waitFor(60, TimeUnit.SECONDS)) {
      demo.destroyForcibly();
      demo.waitFor(10, TimeUnit.SECONDS);
    }
    for (ProcessHandle child : children) {
      if (child.isAlive()) {
        child.destroyForcibly();
      }
    }
  }
}
