package org.vil4j.conformance.traversal;

import org.junit.jupiter.api.Test;
import org.vil4j.api.TraversalStrategy;
import org.vil4j.conformance.kit.TraversalStrategyTestCase;
import org.vil4j.traversal.SnakeColumnsReversed;

import static org.assertj.core.api.Assertions.assertThat;

class SnakeColumnsReversedTest extends TraversalStrategyTestCase {
    @Override
    protected TraversalStrategy newTraversal() {
        return new SnakeColumnsReversed();
    }

    @Override
    protected double maxMeanStep() {
        return 1.0;
    }

    @Test
    void startsAtTheEndOfTheLastColumn() {
        assertThat(newTraversal().order(5, 7)[0]).isEqualTo(34);
        assertThat(newTraversal().order(5, 6)[0]).isEqualTo(5);
    }
}
