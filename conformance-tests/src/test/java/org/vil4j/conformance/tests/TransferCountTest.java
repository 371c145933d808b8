package org.vil4j.conformance.tests;

import org.vil4j.conformance.GoldenCase;
import org.junit.jupiter.api.Test;
import org.vil4j.api.HostTensor;
import org.vil4j.api.Ops;
import org.vil4j.api.Tensor;
import org.vil4j.api.TransferStats;
import org.vil4j.vil.ActivationSink;
import org.vil4j.vil.VisionLstm;

import static org.assertj.core.api.Assertions.assertThat;

/** On the device, a forward moves the input in and the output out, and nothing else. */
class TransferCountTest {
    @Test
    void oneForwardCopiesOnlyTheInputInAndTheOutputOut() {
        Ops ops = Backends.ops("opencl");
        GoldenCase golden = Backends.golden("vil2-micro");
        VisionLstm model = new VisionLstm(golden.config(), Backends.PLUGINS, ops, golden.parameters(), "test");
        HostTensor input = golden.host("input");
        forward(ops, model, input); // the first forward may grow the arena and create staging buffers
        TransferStats before = ops.transfers();
        float[] out = forward(ops, model, input);
        TransferStats moved = ops.transfers().minus(before);

        assertThat(moved.bytesIn()).isEqualTo(4L * input.data().length);
        assertThat(moved.bytesOut()).isEqualTo(4L * out.length);
        assertThat(moved.parameterBytes()).isZero();
        assertThat(moved.setupBytes()).isZero();
        assertThat(moved.transfers()).isEqualTo(2);
        assertThat(out).hasSize(2 * 10);
    }

    private static float[] forward(Ops ops, VisionLstm model, HostTensor input) {
        long mark = ops.mark();
        try {
            Tensor x = ops.upload(input.shape(), input.data());
            return ops.download(model.forward(x, ActivationSink.NONE));
        } finally {
            ops.release(mark);
        }
    }
}
