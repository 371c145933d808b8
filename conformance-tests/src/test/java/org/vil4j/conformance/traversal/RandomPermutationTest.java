package org.vil4j.conformance.traversal;

import org.junit.jupiter.api.Test;
import org.vil4j.api.TraversalStrategy;
import org.vil4j.conformance.kit.TraversalStrategyTestCase;
import org.vil4j.traversal.RandomPermutation;

import static org.assertj.core.api.Assertions.assertThat;

class RandomPermutationTest extends TraversalStrategyTestCase {
    @Override
    protected TraversalStrategy newTraversal() {
        return new RandomPermutation();
    }

    @Test
    void isASeededFixedPermutation() {
        assertThat(newTraversal().name()).isEqualTo("random_seed0");
        assertThat(newTraversal().order(14, 14)).isNotEqualTo(new RandomPermutation(1).order(14, 14));
    }
}
