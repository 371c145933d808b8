package org.vil4j.conformance.traversal;

import org.junit.jupiter.api.Test;
import org.vil4j.api.TraversalStrategy;
import org.vil4j.conformance.kit.SharedBackends;
import org.vil4j.conformance.kit.TraversalStrategyTestCase;
import org.vil4j.traversal.LocalWindow;
import org.vil4j.traversal.RowwiseFromTopLeft;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class LocalWindowK3Test extends TraversalStrategyTestCase {
    @Override
    protected TraversalStrategy newTraversal() {
        return new LocalWindow(3);
    }

    @Override
    protected double maxMeanStep() {
        return 2.5;
    }

    @Test
    void isFoundByItsParameterisedName() {
        assertThat(SharedBackends.plugins().traversal("local_window_k3")).isInstanceOf(LocalWindow.class);
        assertThat(((LocalWindow) SharedBackends.plugins().traversal("local_window_k5")).windowSize()).isEqualTo(5);
        assertThat(Arrays.copyOf(newTraversal().order(5, 7), 10)).containsExactly(0, 1, 2, 7, 8, 9, 14, 15, 16, 3);
        assertThat(new LocalWindow(1).order(3, 4)).isEqualTo(new RowwiseFromTopLeft().order(3, 4));
    }
}
