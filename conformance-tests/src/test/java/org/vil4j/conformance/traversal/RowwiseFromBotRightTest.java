package org.vil4j.conformance.traversal;

import org.junit.jupiter.api.Test;
import org.vil4j.api.ConvolutionFrames;
import org.vil4j.api.TraversalStrategy;
import org.vil4j.conformance.kit.TraversalStrategyTestCase;
import org.vil4j.traversal.RowwiseFromBotRight;

import static org.assertj.core.api.Assertions.assertThat;

class RowwiseFromBotRightTest extends TraversalStrategyTestCase {
    @Override
    protected TraversalStrategy newTraversal() {
        return new RowwiseFromBotRight();
    }

    @Override
    protected double maxMeanStep() {
        return 2.0;
    }

    @Test
    void isTheReversedSequenceWithTheReferenceConvolution() {
        int[] order = newTraversal().order(5, 7);
        for (int i = 0; i < order.length; i++) {
            assertThat(order[i]).isEqualTo(34 - i);
        }
        // the reference lays the flipped sequence row-major on the grid: the image rotated by 180 degrees
        assertThat(newTraversal().convolutionNeighbours(5, 7, 3)).isEqualTo(ConvolutionFrames.rowMajorFrame(5, 7, 3));
    }
}
