package org.vil4j.conformance.tests;

import org.vil4j.conformance.TensorComparison;
import org.vil4j.conformance.GoldenRunner;
import org.vil4j.conformance.GoldenCase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vil4j.api.Ops;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every golden gradient case: loss within 1e-4, every gradient within 1e-3 of the official code, both backends. */
class GoldenBackwardTest {
    static Stream<Arguments> cases() {
        List<String> names = GoldenCase.list(Backends.golden()).stream()
                .map(Backends::load)
                .filter(c -> c.isModelCase() && c.tensors().contains("labels"))
                .map(GoldenCase::name).toList();
        assertThat(names).as("gradient cases").hasSizeGreaterThanOrEqualTo(3);
        return Stream.of("java", "opencl").flatMap(b -> names.stream().map(n -> Arguments.of(b, n)));
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("cases")
    void gradientsMatchTheOfficialCode(String backend, String caseName) {
        Ops ops = Backends.ops(backend);
        GoldenCase golden = Backends.golden(caseName);
        List<TensorComparison> results = new GoldenRunner(Backends.PLUGINS).backward(golden, ops);
        assertThat(results.stream().map(TensorComparison::name)).contains("loss", "grad.input",
                golden.isVil() ? "grad.pos_embed.embed" : "grad.patch_embed.proj.weight");
        assertThat(results).allSatisfy(c -> assertThat(c.passed()).as(c.toString()).isTrue());
    }
}
