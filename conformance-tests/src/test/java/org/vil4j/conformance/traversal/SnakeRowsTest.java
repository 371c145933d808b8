package org.vil4j.conformance.traversal;

import org.junit.jupiter.api.Test;
import org.vil4j.api.TraversalStrategy;
import org.vil4j.conformance.kit.TraversalStrategyTestCase;
import org.vil4j.traversal.SnakeRows;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class SnakeRowsTest extends TraversalStrategyTestCase {
    @Override
    protected TraversalStrategy newTraversal() {
        return new SnakeRows();
    }

    @Override
    protected double maxMeanStep() {
        return 1.0;
    }

    @Test
    void turnsAtTheEndOfEachRow() {
        assertThat(Arrays.copyOf(newTraversal().order(5, 7), 9)).containsExactly(0, 1, 2, 3, 4, 5, 6, 13, 12);
    }
}
