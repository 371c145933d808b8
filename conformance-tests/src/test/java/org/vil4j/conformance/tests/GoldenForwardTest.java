package org.vil4j.conformance.tests;

import org.vil4j.conformance.TensorComparison;
import org.vil4j.conformance.GoldenRunner;
import org.vil4j.conformance.GoldenCase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vil4j.api.Ops;

import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every golden case's output and activations within 1e-4 of the official code, on both backends. */
class GoldenForwardTest {
    static Stream<Arguments> cases() {
        List<String> names = Backends.caseNames();
        assertThat(names).as("golden cases").hasSizeGreaterThanOrEqualTo(10).contains("vil2-tiny-224");
        return Stream.of("java", "opencl").flatMap(b -> names.stream().map(n -> Arguments.of(b, n)));
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("cases")
    void forwardMatchesTheOfficialCode(String backend, String caseName) {
        Ops ops = Backends.ops(backend);
        GoldenCase golden = Backends.golden(caseName);
        List<TensorComparison> results = new GoldenRunner(Backends.PLUGINS).forward(golden, ops, null);
        assertThat(results).as("compared tensors").isNotEmpty();
        assertThat(results.stream().map(TensorComparison::name)).contains(golden.isModelCase() ? "output" : "h");
        assertThat(results).allSatisfy(c -> assertThat(c.passed()).as(c.toString()).isTrue());
    }
}
