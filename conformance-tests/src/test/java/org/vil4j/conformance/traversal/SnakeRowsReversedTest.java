package org.vil4j.conformance.traversal;

import org.junit.jupiter.api.Test;
import org.vil4j.api.TraversalStrategy;
import org.vil4j.conformance.kit.TraversalStrategyTestCase;
import org.vil4j.traversal.SnakeRowsReversed;

import static org.assertj.core.api.Assertions.assertThat;

class SnakeRowsReversedTest extends TraversalStrategyTestCase {
    @Override
    protected TraversalStrategy newTraversal() {
        return new SnakeRowsReversed();
    }

    @Override
    protected double maxMeanStep() {
        return 1.0;
    }

    @Test
    void startsAtTheEndOfTheLastRow() {
        assertThat(newTraversal().order(5, 7)[0]).isEqualTo(34);
        assertThat(newTraversal().order(4, 7)[0]).isEqualTo(21);
    }
}
