# Shared by run-fraud-benchmark, run-jmh and run-chaos: builds the project when it is not built or a source
# file changed since the last build, then runs a main class on the load-tests class path.
# Sourced, not run; expects $root (the repository root).
# SLUICE_BENCH_CLASSPATH=FILE: use the library class path in FILE (from `./mvnw -pl load-tests
# dependency:build-classpath -Dmdep.outputFile=FILE`) and never build: for a tree built by hand
# with `./mvnw -pl load-tests -am package`, without installing into the local Maven repository.
classpath_file="${SLUICE_BENCH_CLASSPATH:-$root/load-tests/target/classpath.txt}"
registry_app="$root/registry-server/target/quarkus-app/quarkus-run.jar"

needs_build() {
  [ -n "${SLUICE_BENCH_CLASSPATH:-}" ] && return 1
  [ ! -f "$classpath_file" ] || [ ! -f "$registry_app" ] && return 0
  [ -n "$(find "$root" -path "$root/*/target" -prune -o -path "$root/.git" -prune -o \
      \( -name '*.java' -o -name '*.avsc' -o -name 'pom.xml' -o -name '*.properties' -o -name '*.xml' \) \
      -newer "$classpath_file" -print -quit)" ]
}

# run_main MAIN_CLASS ARGS...: from the repository root, so that the fraud model in .sluice/models
# is shared with ./sluice demo.
run_main() {
  if needs_build; then
    echo "$(basename "$0"): building (first run takes a few minutes) ..." >&2
    # A reactor build of this checkout, never `install`: several checkouts may share ~/.m2, and
    # target/classpath.txt names the reactor's own jars.
    (cd "$root" && ./mvnw -q -B -ntp package -DskipTests -Dquick -pl load-tests,registry-server -am) >&2
  fi
  cd "$root"
  export SLUICE_DATA_DIR="${SLUICE_DATA_DIR:-$root/../shared/data}"
  export SLUICE_LOG_LEVEL="${SLUICE_LOG_LEVEL:-WARN}"
  local main="$1"
  shift
  # This tree's classes, never the Sluice jars classpath.txt names: those may be the ones in
  # ~/.m2, which a build of another checkout can replace.
  local classes="$root/load-tests/target/classes:$root/samples/target/classes"
  classes="$classes:$root/streams-app/target/classes"
  classes="$classes:$root/models/target/classes:$root/schemas/target/classes"
  classes="$classes:$root/descriptor/target/classes:$root/eval/target/classes"
  local libraries
  libraries="$(tr ':' '\n' <"$classpath_file" | grep -v -E '/sluice-[a-z-]+-[^/]*\.jar$' | paste -sd:)"
  # shellcheck disable=SC2086 # JAVA_OPTS holds several options
  exec java ${JAVA_OPTS:-} \
    -Dsluice.registry.app.dir="$root/registry-server/target/quarkus-app" \
    -cp "$classes:$libraries" \
    "$main" "$@"
}
