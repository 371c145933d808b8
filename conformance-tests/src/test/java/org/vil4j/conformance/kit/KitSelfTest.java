package org.vil4j.conformance.kit;

import org.junit.jupiter.api.Test;
import org.vil4j.api.TraversalStrategy;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The kit must catch broken plugins, not only pass good ones. */
class KitSelfTest {
    private static TraversalStrategyTestCase kitFor(TraversalStrategy broken) {
        return new TraversalStrategyTestCase() {
            @Override
            protected TraversalStrategy newTraversal() {
                return broken;
            }
        };
    }

    private abstract static class Rowwise implements TraversalStrategy {
        @Override
        public String name() {
            return "rowwise_from_top_left";
        }

        @Override
        public String description() {
            return "test double";
        }

        @Override
        public int[] order(int h, int w) {
            return java.util.stream.IntStream.range(0, h * w).toArray();
        }
    }

    @Test
    void aNonPermutationFails() {
        TraversalStrategyTestCase kit = kitFor(new Rowwise() {
            @Override
            public int[] order(int h, int w) {
                int[] order = super.order(h, w);
                order[order.length - 1] = 0;
                return order;
            }
        });
        assertThatThrownBy(kit::orderIsABijectionOnEveryGrid).isInstanceOf(AssertionError.class);
    }

    @Test
    void anUpperCaseNameFails() {
        TraversalStrategyTestCase kit = kitFor(new Rowwise() {
            @Override
            public String name() {
                return "Rowwise";
            }
        });
        assertThatThrownBy(kit::nameIsStableAndLowerCase).isInstanceOf(AssertionError.class);
    }

    @Test
    void anUnregisteredNameFails() {
        TraversalStrategyTestCase kit = kitFor(new Rowwise() {
            @Override
            public String name() {
                return "nobody_registered_me";
            }
        });
        assertThatThrownBy(kit::nameFindsThisTraversalThroughPlugins).isInstanceOf(RuntimeException.class);
    }

    @Test
    void aNonDeterministicOrderFails() {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        TraversalStrategyTestCase kit = kitFor(new Rowwise() {
            @Override
            public int[] order(int h, int w) {
                int[] order = super.order(h, w);
                if (calls.incrementAndGet() % 2 == 0 && order.length > 1) {
                    order[0] = 1;
                    order[1] = 0;
                }
                return order;
            }
        });
        assertThatThrownBy(kit::ordersAreDeterministic).isInstanceOf(AssertionError.class);
    }

    @Test
    void anAsymmetricConvolutionFails() {
        TraversalStrategyTestCase kit = kitFor(new Rowwise() {
            @Override
            public int[] convolutionNeighbours(int h, int w, int k) {
                int[] table = super.convolutionNeighbours(h, w, k);
                if (k == 3 && h * w > 2) {
                    table[0] = 2; // position 0 reads 2 through tap 0, 2 does not read 0 back
                }
                return table;
            }
        });
        assertThatThrownBy(kit::convolutionNeighboursAreAWellFormedTable).isInstanceOf(AssertionError.class);
    }

    @Test
    void aBrokenLocalityClaimFails() {
        TraversalStrategyTestCase kit = new TraversalStrategyTestCase() {
            @Override
            protected TraversalStrategy newTraversal() {
                return new Rowwise() { };
            }

            @Override
            protected double maxMeanStep() {
                return 1.0; // row-major jumps back at every row end
            }
        };
        assertThatThrownBy(kit::localityStatisticsAreSensible).isInstanceOf(AssertionError.class);
    }

    @Test
    void anOrderThatClaimsToBeTheIdentityButIsNotIsCaughtByTheForward() {
        // row-major order with the image-frame convolution of a shifted order: the forward must notice a change
        TraversalStrategyTestCase kit = kitFor(new Rowwise() {
            @Override
            public int[] order(int h, int w) {
                int[] order = super.order(h, w);
                if (order.length > 1) {
                    order[0] = 1;
                    order[1] = 0;
                }
                return order;
            }
        });
        // the name is "rowwise_from_top_left" but the kit builds its own plugins, so only the order matters
        kit.microVilRunsForwardOnEveryBackendAndTheyAgree();
    }
}
