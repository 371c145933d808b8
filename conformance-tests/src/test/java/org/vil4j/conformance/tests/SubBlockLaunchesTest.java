package org.vil4j.conformance.tests;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vil4j.api.HostTensor;
import org.vil4j.api.OpProfile;
import org.vil4j.api.Ops;
import org.vil4j.conformance.GoldenCase;
import org.vil4j.vil.ActivationSink;
import org.vil4j.vil.VisionLstm;

import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a ViL forward launches on OpenCL: the depthwise convolution runs inside the q|k|v + gates pass
 * (conv_headwise_gates), never as a pass of its own, so a sub-block is 8 launches (layer_norm with the gather, the
 * up-projection, conv_headwise_gates, mlstm_prefix, the score and value GEMMs, the output norm with the skip gate,
 * the down-projection with the residual).
 */
class SubBlockLaunchesTest {
    @ParameterizedTest
    @ValueSource(strings = {"vil2-micro", "vil1-micro"})
    void aSubBlockIsEightLaunchesWithTheConvolutionInsideTheProjections(String name) {
        Ops ops = Backends.ops("opencl");
        GoldenCase golden = Backends.golden(name);
        VisionLstm model = new VisionLstm(golden.config(), Backends.PLUGINS, ops, golden.parameters(), "test");
        int subBlocks = golden.config().subBlockCount();
        HostTensor input = golden.host("input");
        forward(ops, model, input); // the first forward may grow the arena
        long before = ops.kernelLaunches();
        forward(ops, model, input);
        long launches = ops.kernelLaunches() - before;

        Map<String, Long> byOp = new TreeMap<>();
        ops.setProfiling(true);
        try {
            forward(ops, model, input);
            for (OpProfile p : ops.profile()) {
                byOp.merge(p.op(), p.launches(), Long::sum);
            }
        } finally {
            ops.setProfiling(false);
        }
        assertThat(byOp).doesNotContainKeys("depthwise_conv", "headwise_gates", "silu");
        assertThat(byOp).containsEntry("conv_headwise_gates", (long) subBlocks);
        assertThat(byOp.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(launches);
        assertThat(launches - 8L * subBlocks).as("launches outside the %d sub-blocks, of %d: %s", subBlocks,
                launches, byOp).isEqualTo(OUTSIDE.get(name));
    }

    /**
     * Launches that are no sub-block's, counted with today's program: the input's copy in and the output's copy
     * out, patchify, the position embedding's add, the first order's gather, one copy, the final norms and the head
     * (v1's pooling adds copy_columns, add and scale). A failure's message lists the launches by op.
     */
    private static final Map<String, Long> OUTSIDE = Map.of("vil2-micro", 10L, "vil1-micro", 14L);

    private static void forward(Ops ops, VisionLstm model, HostTensor input) {
        long mark = ops.mark();
        try {
            ops.download(model.forward(ops.upload(input.shape(), input.data()), ActivationSink.NONE));
        } finally {
            ops.release(mark);
        }
    }
}
