package org.vil4j.conformance.traversal;

import org.junit.jupiter.api.Test;
import org.vil4j.api.TraversalStrategy;
import org.vil4j.conformance.kit.TraversalStrategyTestCase;
import org.vil4j.traversal.DiagonalZigzag;

import static org.assertj.core.api.Assertions.assertThat;

class DiagonalZigzagTest extends TraversalStrategyTestCase {
    @Override
    protected TraversalStrategy newTraversal() {
        return new DiagonalZigzag();
    }

    @Override
    protected double maxMeanStep() {
        return 2.0;
    }

    @Test
    void followsTheJpegZigzag() {
        assertThat(newTraversal().order(3, 3)).containsExactly(0, 1, 3, 6, 4, 2, 5, 7, 8);
    }
}
