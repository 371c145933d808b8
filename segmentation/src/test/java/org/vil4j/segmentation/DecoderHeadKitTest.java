package org.vil4j.segmentation;

import org.junit.jupiter.api.Nested;
import org.vil4j.api.Head;
import org.vil4j.conformance.kit.HeadTestCase;
import org.vil4j.conformance.kit.SharedBackends;

/** Both decoders, as Head plugins, held to the head contract kit (java and PoCL, finite differences). */
class DecoderHeadKitTest {
    @Nested
    class Linear extends HeadTestCase {
        @Override
        protected Head newHead() {
            return SharedBackends.plugins().head("seg_linear");
        }
    }

    @Nested
    class UperNet extends HeadTestCase {
        @Override
        protected Head newHead() {
            return SharedBackends.plugins().head("seg_upernet");
        }
    }
}
