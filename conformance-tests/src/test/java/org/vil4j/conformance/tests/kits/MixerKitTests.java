package org.vil4j.conformance.tests.kits;

import org.junit.jupiter.api.Nested;
import org.vil4j.api.MixerSpec;
import org.vil4j.api.SequenceMixer;
import org.vil4j.conformance.kit.SequenceMixerTestCase;
import org.vil4j.conformance.kit.SharedBackends;

import java.util.Map;

/** Our two mixers held to the shipped mixer kit. */
class MixerKitTests {
    @Nested
    class Mlstm extends SequenceMixerTestCase {
        @Override
        protected SequenceMixer newMixer() {
            return SharedBackends.plugins().mixer("mlstm");
        }
    }

    @Nested
    class MlstmWithoutBiases extends SequenceMixerTestCase {
        @Override
        protected SequenceMixer newMixer() {
            return SharedBackends.plugins().mixer("mlstm");
        }

        @Override
        protected MixerSpec spec() {
            // v1's projections and norms have no biases (its causal 1-D conv needs another table than the kit's)
            return new MixerSpec(8, Map.of("proj_bias", false, "norm_bias", false));
        }
    }

    @Nested
    class Attention extends SequenceMixerTestCase {
        @Override
        protected SequenceMixer newMixer() {
            return SharedBackends.plugins().mixer("attention");
        }
    }
}
