package org.vil4j.conformance.traversal;

import org.junit.jupiter.api.Test;
import org.vil4j.api.TraversalStrategy;
import org.vil4j.conformance.LocalityStats;
import org.vil4j.conformance.kit.TraversalStrategyTestCase;
import org.vil4j.traversal.Hilbert;

import static org.assertj.core.api.Assertions.assertThat;

class HilbertTest extends TraversalStrategyTestCase {
    @Override
    protected TraversalStrategy newTraversal() {
        return new Hilbert();
    }

    @Override
    protected double maxMeanStep() {
        return 1.1;
    }

    @Test
    void isAContinuousCurveOnPowerOfTwoSquares() {
        for (int side : new int[]{2, 4, 8, 16, 32}) {
            int[] order = newTraversal().order(side, side);
            LocalityStats s = LocalityStats.of(order, side, side);
            assertThat(s.unitStepFraction()).as("%dx%d", side, side).isEqualTo(1.0);
            assertThat(order[0]).isZero();
            assertThat(order[order.length - 1]).as("ends in the top-right corner").isEqualTo(side - 1);
        }
    }

    @Test
    void takesAtMostAFewDiagonalStepsElsewhere() {
        for (int h = 1; h <= 24; h++) {
            for (int w = 1; w <= 24; w++) {
                assertThat(LocalityStats.of(newTraversal().order(h, w), h, w).maxStep()).as("%dx%d", h, w)
                        .isLessThanOrEqualTo(2);
            }
        }
    }
}
