package org.vil4j.conformance.traversal;

import org.junit.jupiter.api.Test;
import org.vil4j.api.TraversalStrategy;
import org.vil4j.conformance.kit.TraversalStrategyTestCase;
import org.vil4j.traversal.SnakeColumns;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class SnakeColumnsTest extends TraversalStrategyTestCase {
    @Override
    protected TraversalStrategy newTraversal() {
        return new SnakeColumns();
    }

    @Override
    protected double maxMeanStep() {
        return 1.0;
    }

    @Test
    void turnsAtTheEndOfEachColumn() {
        assertThat(Arrays.copyOf(newTraversal().order(5, 7), 7)).containsExactly(0, 7, 14, 21, 28, 29, 22);
    }
}
