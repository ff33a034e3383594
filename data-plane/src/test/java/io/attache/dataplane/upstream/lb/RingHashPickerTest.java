package io.attache.dataplane.upstream.lb;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.hash.XxHash64;
import io.attache.dataplane.upstream.Host;
import io.attache.dataplane.upstream.ScriptedRandom;
import io.attache.dataplane.upstream.TestHosts;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
  }

  @Test
  void spreadsKeysEvenlyOverEqualHosts() {
    Map<Host, Integer> counts = new HashMap<>();
    for (Host owner : assign(ring(hosts(4), 1024))) {
      counts.merge(owner, 1, Integer::sum);
    }

    assertThat(counts).hasSize(4);
    assertThat(counts.values())
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

    long toHeavy = 0;
    for (Host owner : assign(ring)) {
      toHeavy += owner == heavy ? 1 : 0;
    }

    assertThat((double) toHeavy / KEYS).isBetween(0.70, 0.80);
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
