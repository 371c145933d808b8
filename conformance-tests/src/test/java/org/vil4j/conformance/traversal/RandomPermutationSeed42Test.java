package org.vil4j.conformance.traversal;

import org.junit.jupiter.api.Test;
import org.vil4j.api.TraversalStrategy;
import org.vil4j.conformance.kit.SharedBackends;
import org.vil4j.conformance.kit.TraversalStrategyTestCase;
import org.vil4j.traversal.RandomPermutation;

import static org.assertj.core.api.Assertions.assertThat;

class RandomPermutationSeed42Test extends TraversalStrategyTestCase {
    @Override
    protected TraversalStrategy newTraversal() {
        return new RandomPermutation(42);
    }

    @Test
    void isFoundByItsParameterisedName() {
        assertThat(SharedBackends.plugins().traversal("random_seed42").order(5, 7)).isEqualTo(newTraversal().order(5, 7));
        assertThat(newTraversal().order(5, 7)).startsWith(new RandomPermutation(42).order(5, 7)[0]);
    }
}
