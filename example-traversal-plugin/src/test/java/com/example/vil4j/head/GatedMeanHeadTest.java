package com.example.vil4j.head;

import org.vil4j.api.Head;
import org.vil4j.conformance.kit.HeadTestCase;

/** The whole head contract, weight included, from the published kit: one factory method. */
class GatedMeanHeadTest extends HeadTestCase {
    @Override
    protected Head newHead() {
        return new GatedMeanHead();
    }
}
