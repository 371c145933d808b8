/**
 * Conformance: runs golden cases (safetensors produced by the official PyTorch code) on any backend and compares
 * every tensor they hold; and the contract suites plugin authors extend (package {@code org.vil4j.conformance.kit}).
 */
module org.vil4j.conformance {
    requires transitive org.vil4j.api;
    requires org.vil4j.formats;
    requires transitive org.vil4j.vil;

    requires org.junit.jupiter.api;
    requires org.assertj.core;

    exports org.vil4j.conformance;
    exports org.vil4j.conformance.kit;
}
