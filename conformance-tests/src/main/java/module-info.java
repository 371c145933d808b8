/**
 * Conformance: runs golden cases (safetensors produced by the official PyTorch code) on any backend and compares
 * every tensor they hold; later also the contract suites plugin authors extend.
 */
module org.vil4j.conformance {
    requires transitive org.vil4j.api;
    requires org.vil4j.formats;
    requires transitive org.vil4j.vil;

    exports org.vil4j.conformance;
}
