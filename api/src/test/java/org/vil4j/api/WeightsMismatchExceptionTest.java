package org.vil4j.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class WeightsMismatchExceptionTest {
    @Test
    void theMessageListsTwentyProblemsAndCountsTheRest() {
        List<String> problems = IntStream.range(0, 500).mapToObj(i -> "missing blocks." + i + ".weight").toList();

        WeightsMismatchException e = new WeightsMismatchException("big.th", problems);

        assertThat(e.getMessage()).startsWith("weights from big.th do not fit the model (500 problems):")
                .contains("missing blocks.19.weight").doesNotContain("missing blocks.20.weight")
                .endsWith("\n  and 480 more");
        assertThat(e.getMessage().lines()).hasSize(22);
        assertThat(e.problems()).hasSize(500);
    }

    @Test
    void aFewProblemsAreAllListed() {
        WeightsMismatchException e = new WeightsMismatchException("x", List.of("missing a", "unexpected b"));
        assertThat(e.getMessage()).isEqualTo("weights from x do not fit the model (2 problems):\n  missing a\n"
                + "  unexpected b");
    }
}
