package io.attache.dataplane.upstream.lb;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.hash.XxHash64;
import io.attache.dataplane.upstream.ScriptedRandom;
import io.attache.dataplane.upstream.TestHosts;
import io.attache.dataplane.upstream.host.Host;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class RingHashPickerTest {
  private static final int KEYS = 20_000;

  private static List<Host> hosts(int count) {
    List<Host> hosts = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      hosts.add(TestHosts.host("10.0.0." + i, 1));
    }
    return hosts;
  }

  private static RingHashPicker ring(List<Host> hosts, long minRingSize) {
    return new RingHashPicker(
        hosts,
        RingHashPicker.hostWeights(hosts),
        minRingSize,
        8 * 1024 * 1024,
        new ScriptedRandom());
  }

  private static long key(int i) {
    return XxHash64.hash(("request-" + i).getBytes(StandardCharsets.US_ASCII));
  }

  private static Host[] assign(RingHashPicker ring) {
    Host[] owners = new Host[KEYS];
    for (int i = 0; i < KEYS; i++) {
      owners[i] = ring.pick(LbContext.withHash(key(i)));
    }
    return owners;
  }

  /**
   * The oracle: Envoy's ketama ring written out here, independently of RingHashPicker. Host {@code
   * h} owns the points {@code xxHash64("<ip>:<port>_<i>")} for {@code i < points[h]}, ordered as
   * unsigned 64-bit values; a key goes to the first point at or above it, wrapping to the lowest.
   * (xxHash64 itself is checked against the reference vectors in XxHash64Test.)
   */
  private static Host[] referenceOwners(List<Host> hosts, int[] points) {
    TreeMap<Long, Host> ring = new TreeMap<>(Long::compareUnsigned);
    for (int h = 0; h < hosts.size(); h++) {
      InetSocketAddress address = hosts.get(h).address();
      String prefix = address.getAddress().getHostAddress() + ":" + address.getPort() + "_";
      for (int i = 0; i < points[h]; i++) {
        Host previous =
            ring.put(XxHash64.hash((prefix + i).getBytes(StandardCharsets.US_ASCII)), hosts.get(h));
        assertThat(previous).as("no two points collide in these rings").isNull();
      }
    }
    Host[] owners = new Host[KEYS];
    for (int i = 0; i < KEYS; i++) {
      Map.Entry<Long, Host> at = ring.ceilingEntry(key(i));
      owners[i] = (at != null ? at : ring.firstEntry()).getValue();
    }
    return owners;
  }

  private static Map<Host, Integer> counts(Host[] owners) {
    Map<Host, Integer> counts = new HashMap<>();
    for (Host owner : owners) {
      counts.merge(owner, 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void sizesTheRingSoTheLightestHostGetsAWholeShareOfTheMinimum() {
    assertThat(ring(hosts(3), 1024).ringSize()).isEqualTo(1026); // ceil(1024 / 3) points each
    List<Host> weighted = List.of(TestHosts.host("10.0.0.1", 1), TestHosts.host("10.0.0.2", 3));
    assertThat(
            new RingHashPicker(
                    weighted,
                    RingHashPicker.hostWeights(weighted),
                    1024,
                    8 << 20,
                    new ScriptedRandom())
                .ringSize())
        .isEqualTo(1024);
  }

  @Test
  void capsTheRingAtTheMaximumSize() {
    List<Host> hosts = hosts(3);
    assertThat(
            new RingHashPicker(
                    hosts, RingHashPicker.hostWeights(hosts), 1024, 300, new ScriptedRandom())
                .ringSize())
        .isEqualTo(300);
  }

  @Test
  void sendsTheSameHashToTheSameHost() {
    RingHashPicker ring = ring(hosts(5), 1024);

    for (int i = 0; i < 100; i++) {
      assertThat(ring.pick(LbContext.withHash(key(i))))
          .isSameAs(ring.pick(LbContext.withHash(key(i))));
    }
  }

  @Test
  void removingOneHostMovesOnlyItsKeys() {
    // 81 / 10 and 81 / 9 both round up to 9 points per host, so every surviving host keeps exactly
    // its old points and only the removed host's keys may move.
    List<Host> before = hosts(10);
    Host removed = before.get(4);
    List<Host> after = new ArrayList<>(before);
    after.remove(removed);

    Host[] ownersBefore = assign(ring(before, 81));
    Host[] ownersAfter = assign(ring(after, 81));

    int movedFromRemoved = 0;
    for (int i = 0; i < KEYS; i++) {
      if (ownersBefore[i] == removed) {
        assertThat(ownersAfter[i]).isNotSameAs(removed);
        movedFromRemoved++;
      } else {
        assertThat(ownersAfter[i]).as("key %d", i).isSameAs(ownersBefore[i]);
      }
    }
    assertThat(movedFromRemoved).isPositive();
  }

  @Test
  void keepsMostKeysInPlaceWhenTheRemainingHostsGainPoints() {
    // With the default 1024 points, 5 hosts have 205 points each and 4 hosts 256: a survivor's key
    // can only move onto one of the added points, about a fifth of the ring.
    List<Host> before = hosts(5);
    Host removed = before.get(2);
    List<Host> after = new ArrayList<>(before);
    after.remove(removed);

    Host[] ownersBefore = assign(ring(before, 1024));
    Host[] ownersAfter = assign(ring(after, 1024));

    int survivorsKeys = 0;
    int survivorsMoved = 0;
    for (int i = 0; i < KEYS; i++) {
      if (ownersBefore[i] == removed) {
        assertThat(ownersAfter[i]).isNotSameAs(removed);
      } else {
        survivorsKeys++;
        survivorsMoved += ownersAfter[i] == ownersBefore[i] ? 0 : 1;
      }
    }
    assertThat((double) survivorsMoved / survivorsKeys).isLessThan(0.2);
    // Exactly the keys the reference rings move: 5 hosts x 205 points (ceil(0.2 x 1024)), then
    // 4 hosts x 256.
    Host[] referenceBefore = referenceOwners(before, new int[] {205, 205, 205, 205, 205});
    Host[] referenceAfter = referenceOwners(after, new int[] {256, 256, 256, 256});
    assertThat(ownersBefore).isEqualTo(referenceBefore);
    assertThat(ownersAfter).isEqualTo(referenceAfter);
  }

  @Test
  void spreadsKeysOverEqualHostsExactlyAsTheReferenceRing() {
    List<Host> hosts = hosts(4);
    Host[] owners = assign(ring(hosts, 1024));

    // 1024 points shared by 4 equal hosts: 256 each.
    Host[] expected = referenceOwners(hosts, new int[] {256, 256, 256, 256});
    assertThat(owners).isEqualTo(expected);
    assertThat(counts(owners)).isEqualTo(counts(expected)).hasSize(4);
    // A property, not the oracle: with 256 points each, no host strays far from a quarter.
    assertThat(counts(owners).values())
        .allSatisfy(n -> assertThat(n).isBetween(KEYS * 20 / 100, KEYS * 30 / 100));
  }

  @Test
  void spreadsKeysByWeight() {
    Host light = TestHosts.host("10.0.0.1", 1);
    Host heavy = TestHosts.host("10.0.0.2", 3);
    List<Host> hosts = List.of(light, heavy);
    RingHashPicker ring =
        new RingHashPicker(
            hosts, RingHashPicker.hostWeights(hosts), 1024, 8 << 20, new ScriptedRandom());

    Host[] owners = assign(ring);

    // Normalized weights 1/4 and 3/4: the lightest host gets ceil(0.25 x 1024) = 256 points, so
    // the ring has 1024 and the heavy host 768.
    Host[] expected = referenceOwners(hosts, new int[] {256, 768});
    assertThat(owners).isEqualTo(expected);
    assertThat(counts(owners)).isEqualTo(counts(expected));
    assertThat((double) counts(owners).get(heavy) / KEYS).isBetween(0.70, 0.80);
  }

  @Test
  void usesARandomHashWhenTheRequestHasNone() {
    List<Host> hosts = hosts(3);
    ScriptedRandom random = new ScriptedRandom().then(key(7));
    RingHashPicker ring =
        new RingHashPicker(hosts, RingHashPicker.hostWeights(hosts), 1024, 8 << 20, random);

    assertThat(ring.pick(LbContext.NONE)).isSameAs(ring.pick(LbContext.withHash(key(7))));
    assertThat(random.remaining()).isZero();
  }
}
