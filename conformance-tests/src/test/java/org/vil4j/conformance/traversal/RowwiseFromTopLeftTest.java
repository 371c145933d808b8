package org.vil4j.conformance.traversal;

import org.junit.jupiter.api.Test;
import org.vil4j.api.ConvolutionFrames;
import org.vil4j.api.TraversalStrategy;
import org.vil4j.conformance.kit.TraversalStrategyTestCase;
import org.vil4j.traversal.RowwiseFromTopLeft;

import static org.assertj.core.api.Assertions.assertThat;

class RowwiseFromTopLeftTest extends TraversalStrategyTestCase {
    @Override
    protected TraversalStrategy newTraversal() {
        return new RowwiseFromTopLeft();
    }

    @Override
    protected double maxMeanStep() {
        return 2.0;
    }

    @Test
    void isTheIdentityWithTheReferenceConvolution() {
        assertThat(newTraversal().order(5, 7)).isEqualTo(java.util.stream.IntStream.range(0, 35).toArray());
        assertThat(newTraversal().convolutionNeighbours(5, 7, 3)).isEqualTo(ConvolutionFrames.rowMajorFrame(5, 7, 3));
    }
}
