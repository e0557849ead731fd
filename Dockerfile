# syntax=docker/dockerfile:1
# The Sluice engine as a container image: `docker build -t sluice .` from the repository root.
# It runs `sluice run | train | produce` (the demo needs the embedded registry and is not in it).
# The data directory (../shared/data) is mounted at run time, never baked in.

FROM maven:3.9.11-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# -Dquick: formatting, layering and static analysis ran in CI already.
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -ntp -Dquick -DskipTests install -pl cli -am \
 && mvn -B -ntp -Dquick dependency:copy-dependencies -pl cli \
      -DincludeScope=runtime -DoutputDirectory=/opt/sluice/lib \
 && find cli/target -maxdepth 1 -name 'sluice-cli-*.jar' ! -name '*-tests.jar' \
      -exec cp {} /opt/sluice/lib/sluice-cli.jar \;

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --home-dir /var/lib/sluice sluice \
 && mkdir -p /var/lib/sluice /models /etc/sluice \
 && chown sluice /var/lib/sluice /models
COPY --from=build /opt/sluice/lib/ /opt/sluice/lib/
USER sluice
WORKDIR /var/lib/sluice
ENV SLUICE_STATE_DIR=/var/lib/sluice/state \
    SLUICE_DATA_DIR=/data
# metrics and health (metrics.port)
EXPOSE 9400
# Exec form: the JVM is PID 1 and gets SIGTERM itself; it finishes the batch in hand and commits.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-cp", "/opt/sluice/lib/*", "io.sluice.cli.Main"]
CMD ["run", "--config", "/etc/sluice/sluice.properties"]
