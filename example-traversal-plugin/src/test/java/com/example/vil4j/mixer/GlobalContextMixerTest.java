package com.example.vil4j.mixer;

import org.vil4j.api.SequenceMixer;
import org.vil4j.conformance.kit.SequenceMixerTestCase;

/** The whole mixer contract, from the published kit: one factory method. */
class GlobalContextMixerTest extends SequenceMixerTestCase {
    @Override
    protected SequenceMixer newMixer() {
        return new GlobalContextMixer();
    }
}
