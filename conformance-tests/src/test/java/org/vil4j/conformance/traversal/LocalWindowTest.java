package org.vil4j.conformance.traversal;

import org.junit.jupiter.api.Test;
import org.vil4j.api.TraversalStrategy;
import org.vil4j.conformance.kit.TraversalStrategyTestCase;
import org.vil4j.traversal.LocalWindow;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class LocalWindowTest extends TraversalStrategyTestCase {
    @Override
    protected TraversalStrategy newTraversal() {
        return new LocalWindow();
    }

    @Override
    protected double maxMeanStep() {
        return 2.5;
    }

    @Test
    void visitsTwoByTwoWindowsWithPartialOnesAtTheEdges() {
        assertThat(newTraversal().name()).isEqualTo("local_window_k2");
        assertThat(Arrays.copyOf(newTraversal().order(5, 7), 14)).containsExactly(0, 1, 7, 8, 2, 3, 9, 10, 4, 5, 11,
                12, 6, 13);
    }
}
