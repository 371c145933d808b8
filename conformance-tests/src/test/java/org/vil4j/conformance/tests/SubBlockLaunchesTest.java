package org.vil4j.conformance.tests;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vil4j.api.HostTensor;
import org.vil4j.api.OpProfile;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.conformance.GoldenCase;
import org.vil4j.vil.ActivationSink;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VilInitializer;
import org.vil4j.vil.VilPresets;
import org.vil4j.vil.VisionLstm;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a ViL forward launches on OpenCL. A sub-block is eight passes: the input norm with the traversal's gather,
 * the up-projection, the depthwise conv inside the q|k|v + gates pass (never a pass of its own), the gate prefix, the
 * score GEMM, the value GEMM with its normaliser, the output norm with the skip gate, and the down-projection with
 * the residual. Everything else is the embedding's and the head's, which the test runs alone to count (so the
 * forward keeps its blocks' outputs without copies, and the position embedding is the patch GEMM's). A ViL-T forward
 * is 199 passes.
 */
class SubBlockLaunchesTest {
    private static final Map<String, Long> PER_SUB_BLOCK = Map.of("layer_norm", 2L, "gemm/bias", 1L,
            "conv_headwise_gates", 1L, "mlstm_prefix", 1L, "gemm/mlstm_scores", 1L, "gemm/mlstm_values", 1L,
            "gemm/bias_residual", 1L);

    @ParameterizedTest
    @ValueSource(strings = {"vil2-micro", "vil1-micro"})
    void aSubBlockIsEightLaunches(String name) {
        Ops ops = Backends.ops("opencl");
        GoldenCase golden = Backends.golden(name);
        VisionLstm model = new VisionLstm(golden.config(), Backends.PLUGINS, ops, golden.parameters(), "test");
        HostTensor input = golden.host("input");
        assertEightLaunchesASubBlock(ops, model, golden.config(), input);
    }

    /** ViL-T at 224 (random weights): 24 sub-blocks of eight passes and seven more, 199 in all. */
    @Test
    void aVilTinyForwardIs199Launches() {
        Ops ops = Backends.ops("opencl");
        VilConfig config = VilPresets.get("vil2-tiny");
        VisionLstm model = new VisionLstm(config, Backends.PLUGINS, ops, VilInitializer.initialize(config, 1), "test");
        float[] pixels = new float[3 * 224 * 224];
        SplittableRandom random = new SplittableRandom(2);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextGaussian();
        }
        long launches = assertEightLaunchesASubBlock(ops, model, config,
                new HostTensor(Shape.of(1, 3, 224, 224), pixels));
        assertThat(config.subBlockCount()).isEqualTo(24);
        assertThat(launches).isEqualTo(199);
    }

    private static long assertEightLaunchesASubBlock(Ops ops, VisionLstm model, VilConfig config, HostTensor input) {
        int subBlocks = config.subBlockCount();
        // the input on the device before counting, as `vil bench --input-on-device` times a forward
        long inputMark = ops.mark();
        Tensor images = ops.upload(input.shape(), input.data());
        Supplier<Tensor> forward = () -> model.forward(images, ActivationSink.NONE);
        profile(ops, forward); // the first forward may grow the arena
        long before = ops.kernelLaunches();
        Map<String, Long> byOp = profile(ops, forward);
        long launches = ops.kernelLaunches() - before;
        Map<String, Long> outside = profile(ops, () -> model.head(model.embed(images), input.shape()));
        ops.release(inputMark);

        assertThat(byOp.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(launches);
        assertThat(byOp).doesNotContainKeys("depthwise_conv", "headwise_gates", "copy", "silu");
        Map<String, Long> expected = new TreeMap<>(outside);
        PER_SUB_BLOCK.forEach((op, n) -> expected.merge(op, n * subBlocks, Long::sum));
        assertThat(byOp).as("a forward's launches by op: the embedding's and head's, and eight a sub-block")
                .isEqualTo(expected);
        return launches;
    }

    private static Map<String, Long> profile(Ops ops, Supplier<Tensor> run) {
        long mark = ops.mark();
        ops.setProfiling(true);
        try {
            ops.download(run.get());
            Map<String, Long> byOp = new TreeMap<>();
            for (OpProfile p : ops.profile()) {
                // the up-projection's epilogue is a bias or a plain store (v1 has no projection biases)
                String op = p.op().equals("gemm/store") ? "gemm/bias" : p.op();
                byOp.merge(op, p.launches(), Long::sum);
            }
            return byOp;
        } finally {
            ops.setProfiling(false);
            ops.release(mark);
        }
    }
}
