package org.vil4j.conformance.traversal;

import org.junit.jupiter.api.Test;
import org.vil4j.api.TraversalStrategy;
import org.vil4j.conformance.kit.TraversalStrategyTestCase;
import org.vil4j.traversal.ColumnwiseFromBotRight;
import org.vil4j.traversal.ColumnwiseFromTopLeft;

import static org.assertj.core.api.Assertions.assertThat;

class ColumnwiseFromBotRightTest extends TraversalStrategyTestCase {
    @Override
    protected TraversalStrategy newTraversal() {
        return new ColumnwiseFromBotRight();
    }

    @Override
    protected double maxMeanStep() {
        return 2.0;
    }

    @Test
    void isTheColumnOrderReversed() {
        int[] forward = new ColumnwiseFromTopLeft().order(5, 7), backward = newTraversal().order(5, 7);
        for (int i = 0; i < 35; i++) {
            assertThat(backward[i]).isEqualTo(forward[34 - i]);
        }
        assertThat(backward[0]).isEqualTo(34);
    }
}
