package io.attache.demo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How a demo app reads its caller's identity from x-forwarded-client-cert. */
class DemoServiceTest {

  @Test
  void theCallerIsTheUriOfTheLastElement() {
    assertThat(
            DemoService.callerUri(
                "By=spiffe://a/ns/default/sa/x;URI=spiffe://a/ns/default/sa/first,"
                    + "By=spiffe://a/ns/default/sa/payments;Hash=ab12;"
                    + "URI=spiffe://attache.local/ns/default/sa/orders"))
        .isEqualTo("spiffe://attache.local/ns/default/sa/orders");
  }

  @Test
  void noHeaderOrNoUriMeansNoProvedCaller() {
    assertThat(DemoService.callerUri("")).isEmpty();
    assertThat(DemoService.callerUri("By=spiffe://a/ns/default/sa/payments;Hash=ab12")).isEmpty();
  }
}
