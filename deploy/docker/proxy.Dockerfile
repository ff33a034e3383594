# Attaché data-plane proxy image, built from the jar and its lib/ directory (no build inside):
#   mvn -B -q -DskipTests package -pl data-plane -am
#   docker build -f deploy/docker/proxy.Dockerfile -t attache/proxy:dev .
# Run it with an Envoy v3 bootstrap mounted at /etc/attache/bootstrap.yaml.
FROM eclipse-temurin:17-jre
WORKDIR /opt/attache
COPY data-plane/target/lib/ lib/
COPY data-plane/target/attache-proxy.jar attache-proxy.jar
RUN useradd --system --home /opt/attache attache
USER attache
# 15001: outbound listener (from xDS); 15000: admin (stats, config dump).
EXPOSE 15000 15001
ENTRYPOINT ["java", "-jar", "/opt/attache/attache-proxy.jar"]
CMD ["-c", "/etc/attache/bootstrap.yaml"]
