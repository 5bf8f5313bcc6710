# Sourced by ./sixpn and .ci/run: exports JAVA_HOME pointing at a Java 25 (or newer) JDK.
# Order: $JAVA_HOME if it is 25+, then JDKs under /usr/lib/jvm (newest first), then `java` on PATH.
sixpn_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'
}
sixpn_select_java() {
  local candidate major
  for candidate in ${JAVA_HOME:-} $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV) \
      $(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")"); do
    candidate=${candidate%/}
    [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    major=$(sixpn_java_major "$candidate")
    if [ -n "$major" ] && [ "${major%%.*}" -ge 25 ] 2>/dev/null; then
      export JAVA_HOME=$candidate
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  echo "sixpn: no Java 25 JDK found (looked at \$JAVA_HOME, /usr/lib/jvm/*, java on PATH); install Temurin 25 and set JAVA_HOME" >&2
  return 1
}
sixpn_select_java
