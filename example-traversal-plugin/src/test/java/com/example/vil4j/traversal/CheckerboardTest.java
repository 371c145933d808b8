package com.example.vil4j.traversal;

import org.junit.jupiter.api.Test;
import org.vil4j.api.TraversalStrategy;
import org.vil4j.conformance.kit.TraversalStrategyTestCase;

import static org.assertj.core.api.Assertions.assertThat;

/** The whole contract kit, run on the example plugin from outside vil4j's own modules. */
class CheckerboardTest extends TraversalStrategyTestCase {
    @Override
    protected TraversalStrategy newTraversal() {
        return new Checkerboard();
    }

    @Test
    void visitsBlackCellsFirst() {
        assertThat(newTraversal().order(2, 3)).containsExactly(0, 2, 4, 1, 3, 5);
    }
}
