/**
 * The golden-case runner (and traversal locality statistics): reads golden cases (safetensors produced by the
 * official PyTorch code), runs them on any backend and compares every tensor they hold. Needs no test framework, so
 * the CLI can use it; the JUnit contract suites for plugin authors live in {@code org.vil4j.conformance.kit}
 * (vil4j-conformance-tests).
 */
module org.vil4j.conformance {
    requires transitive org.vil4j.api;
    requires org.vil4j.formats;
    requires transitive org.vil4j.vil;

    exports org.vil4j.conformance;
}
