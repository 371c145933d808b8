package org.vil4j.conformance.traversal;

import org.junit.jupiter.api.Test;
import org.vil4j.api.TraversalStrategy;
import org.vil4j.conformance.kit.TraversalStrategyTestCase;
import org.vil4j.traversal.ZOrder;

import static org.assertj.core.api.Assertions.assertThat;

class ZOrderTest extends TraversalStrategyTestCase {
    @Override
    protected TraversalStrategy newTraversal() {
        return new ZOrder();
    }

    @Override
    protected double maxMeanStep() {
        return 2.5;
    }

    @Test
    void isTheMortonOrderOnPowerOfTwoSquares() {
        assertThat(newTraversal().order(4, 4)).containsExactly(0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15);
    }
}
