package org.vil4j.conformance.tests.kits;

import org.junit.jupiter.api.Nested;
import org.vil4j.api.Head;
import org.vil4j.conformance.kit.HeadTestCase;
import org.vil4j.conformance.kit.SharedBackends;

/** Every shipped head held to the shipped head kit. */
class HeadKitTests {
    private static Head head(String name) {
        return SharedBackends.plugins().head(name);
    }

    @Nested
    class ClassToken extends HeadTestCase {
        @Override
        protected Head newHead() {
            return head("class_token");
        }

        @Override
        protected int extraTokens() {
            return 2;
        }
    }

    @Nested
    class First extends HeadTestCase {
        @Override
        protected Head newHead() {
            return head("first");
        }
    }

    @Nested
    class Last extends HeadTestCase {
        @Override
        protected Head newHead() {
            return head("last");
        }
    }

    @Nested
    class Middle extends HeadTestCase {
        @Override
        protected Head newHead() {
            return head("middle");
        }
    }

    @Nested
    class Mean extends HeadTestCase {
        @Override
        protected Head newHead() {
            return head("mean");
        }
    }

    @Nested
    class BilateralFlatten extends HeadTestCase {
        @Override
        protected Head newHead() {
            return head("bilateral_flatten");
        }
    }

    @Nested
    class BilateralAvg extends HeadTestCase {
        @Override
        protected Head newHead() {
            return head("bilateral_avg");
        }
    }

    @Nested
    class ToImage extends HeadTestCase {
        @Override
        protected Head newHead() {
            return head("to_image");
        }
    }

    @Nested
    class Tokens extends HeadTestCase {
        @Override
        protected Head newHead() {
            return head("none");
        }
    }
}
