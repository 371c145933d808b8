/**
 * The contract suites plugin authors extend (package {@code org.vil4j.conformance.kit}), with JUnit and AssertJ;
 * this module's tests hold both backends to the golden cases through the runner of {@code org.vil4j.conformance}.
 */
module org.vil4j.conformance.kit {
    requires transitive org.vil4j.api;
    requires transitive org.vil4j.vil;

    // the runner's module: locality statistics for the suites, the golden runner for this module's tests
    requires transitive org.vil4j.conformance;

    requires org.junit.jupiter.api;
    requires org.assertj.core;

    exports org.vil4j.conformance.kit;
}
