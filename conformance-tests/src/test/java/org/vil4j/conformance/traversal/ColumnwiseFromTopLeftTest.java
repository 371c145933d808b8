package org.vil4j.conformance.traversal;

import org.junit.jupiter.api.Test;
import org.vil4j.api.ConvolutionFrames;
import org.vil4j.api.TraversalStrategy;
import org.vil4j.conformance.kit.TraversalStrategyTestCase;
import org.vil4j.traversal.ColumnwiseFromTopLeft;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class ColumnwiseFromTopLeftTest extends TraversalStrategyTestCase {
    @Override
    protected TraversalStrategy newTraversal() {
        return new ColumnwiseFromTopLeft();
    }

    @Override
    protected double maxMeanStep() {
        return 2.0;
    }

    @Test
    void walksColumnsTopToBottomAndConvolvesInTheImageFrame() {
        TraversalStrategy t = newTraversal();
        assertThat(Arrays.copyOf(t.order(5, 7), 7)).containsExactly(0, 7, 14, 21, 28, 1, 8);
        assertThat(t.convolutionNeighbours(5, 7, 3)).isEqualTo(ConvolutionFrames.imageFrame(t.order(5, 7), 5, 7, 3));
    }
}
