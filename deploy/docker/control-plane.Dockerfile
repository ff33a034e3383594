# Attaché control plane image, built from the jar and its lib/ directory (no build inside):
#   mvn -B -q -DskipTests package -pl control-plane -am
#   docker build -f deploy/docker/control-plane.Dockerfile -t attache/control-plane:dev .
FROM eclipse-temurin:17-jre
WORKDIR /opt/attache
COPY control-plane/target/lib/ lib/
COPY control-plane/target/attache-control-plane.jar attache-control-plane.jar
RUN mkdir -p /var/lib/attache && useradd --system --home /opt/attache attache \
    && chown attache /var/lib/attache
USER attache
VOLUME /var/lib/attache
# 18000: xDS (ADS, gRPC); 18080: REST admin API, /healthz, /readyz, /metrics.
EXPOSE 18000 18080
ENTRYPOINT ["java", "-jar", "/opt/attache/attache-control-plane.jar", \
            "--xds-host", "0.0.0.0", "--http-host", "0.0.0.0", "--data-dir", "/var/lib/attache"]
