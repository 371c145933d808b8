package org.vil4j.conformance.tests;

import org.junit.jupiter.api.Test;
import org.vil4j.api.HostTensor;
import org.vil4j.conformance.kit.MicroVil;
import org.vil4j.conformance.kit.SharedBackends;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VisionLstm;

import static org.assertj.core.api.Assertions.assertThat;

/** A ViL whose schedule mixes non-reference traversals runs forward on both backends, and they agree. */
class ScheduleForwardTest {
    @Test
    void mixedNonReferenceScheduleRunsOnBothBackends() {
        String schedule = "snake_rows,hilbert,local_window_k3,random_seed5";
        VilConfig config = MicroVil.config(MicroVil.IDENTITY).withSchedule(schedule);
        VilConfig deeper = new VilConfig(config.version(), config.dim(), 2, config.patchSize(), config.stride(),
                config.channels(), config.height(), config.width(), config.numClasses(), config.pooling(),
                config.legacyNorm(), config.convKind(), config.convKernelSize(), config.projBias(), config.normBias(),
                java.util.List.of("a", "b", "c", "d"), config.mixer()).withSchedule(schedule);
        assertThat(deeper.traversals()).containsExactly("snake_rows", "hilbert", "local_window_k3", "random_seed5");
        assertThat(deeper.schedule()).isEqualTo(schedule);
        var weights = MicroVil.weights(deeper, 3);
        HostTensor input = MicroVil.input(2, 16, 24, 5);
        float[] java = MicroVil.forward(new VisionLstm(deeper, Backends.PLUGINS, SharedBackends.ops("java"), weights,
                "test"), input);
        float[] opencl = MicroVil.forward(new VisionLstm(deeper, Backends.PLUGINS, SharedBackends.ops("opencl"),
                weights, "test"), input);
        assertThat(MicroVil.relativeError(opencl, java)).isLessThanOrEqualTo(1e-4);
        float[] reference = MicroVil.forward(new VisionLstm(deeper.withSchedule("alternate"), Backends.PLUGINS,
                SharedBackends.ops("java"), weights, "test"), input);
        assertThat(MicroVil.relativeError(java, reference)).isGreaterThan(1e-3);
    }
}
