package org.vil4j.conformance.traversal;

import org.junit.jupiter.api.Test;
import org.vil4j.api.TraversalStrategy;
import org.vil4j.conformance.kit.TraversalStrategyTestCase;
import org.vil4j.traversal.SpiralOutsideIn;

import static org.assertj.core.api.Assertions.assertThat;

class SpiralOutsideInTest extends TraversalStrategyTestCase {
    @Override
    protected TraversalStrategy newTraversal() {
        return new SpiralOutsideIn();
    }

    @Override
    protected double maxMeanStep() {
        return 1.0;
    }

    @Test
    void spiralsClockwiseToTheCentre() {
        assertThat(newTraversal().order(3, 3)).containsExactly(0, 1, 2, 5, 8, 7, 6, 3, 4);
        assertThat(newTraversal().order(5, 7)[34]).isEqualTo(2 * 7 + 4);
    }
}
