package org.vil4j.conformance.tests;

import org.junit.jupiter.api.Test;
import org.vil4j.api.HostTensor;
import org.vil4j.api.OpProfile;
import org.vil4j.api.Ops;
import org.vil4j.api.Tensor;
import org.vil4j.conformance.GoldenCase;
import org.vil4j.vil.ActivationSink;
import org.vil4j.vil.VisionLstm;

import java.util.List;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A ViL forward on OpenCL launches no sub-block input norm of its own: the norm (and the traversal's gather) is the
 * up-projection GEMM's prologue ("gemm/norm+bias"), so the only layer norms left are each sub-block's output norm
 * (normSkipGate) and the head's.
 */
class LaunchCountTest {
    @Test
    void theSubBlocksInputNormIsTheUpProjectionsPrologue() {
        Ops ops = Backends.ops("opencl");
        GoldenCase golden = Backends.golden("vil2-micro");
        VisionLstm model = new VisionLstm(golden.config(), Backends.PLUGINS, ops, golden.parameters(), "test");
        HostTensor input = golden.host("input");
        int subBlocks = golden.config().subBlockCount();
        assertThat(subBlocks).isGreaterThanOrEqualTo(2);

        List<OpProfile> forward = profile(ops, () -> model.forward(ops.upload(input.shape(), input.data()),
                ActivationSink.NONE));
        List<OpProfile> embedAndHead = profile(ops, () -> model.head(model.embed(ops.upload(input.shape(),
                input.data())), input.shape()));

        assertThat(launches(forward, "layer_norm"))
                .as("layer norms: one output norm a sub-block, plus those of the embedding and head alone")
                .isEqualTo(subBlocks + launches(embedAndHead, "layer_norm"));
        assertThat(launches(forward, "gemm/norm+bias")).as("up-projections with the norm prologue")
                .isEqualTo(subBlocks + launches(embedAndHead, "gemm/norm+bias"));
        assertThat(launches(forward, "gather_tokens")).as("gathers, the traversals' in the prologue")
                .isEqualTo(launches(embedAndHead, "gather_tokens"));
    }

    private static List<OpProfile> profile(Ops ops, Supplier<Tensor> run) {
        long mark = ops.mark();
        ops.setProfiling(true);
        try {
            ops.download(run.get());
            return ops.profile();
        } finally {
            ops.setProfiling(false);
            ops.release(mark);
        }
    }

    private static long launches(List<OpProfile> profile, String op) {
        return profile.stream().filter(p -> p.op().equals(op)).mapToLong(OpProfile::launches).sum();
    }
}
