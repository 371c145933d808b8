package org.vil4j.training;

import org.junit.jupiter.api.Test;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Optimiser updates against the formulas of torch.optim, worked by hand in double. */
class OptimizerTest {
    private static final Plugins PLUGINS = Plugins.discover();

    @Test
    void adamwFollowsTorchForTwoSteps() {
        try (Ops ops = PLUGINS.backend("java").open(null)) {
            Tensor w = ops.parameter(Shape.of(2, 2), new float[]{1, -2, 3, 0.5f});
            Tensor b = ops.parameter(Shape.of(2), new float[]{0.1f, -0.1f});
            Map<String, Tensor> params = new LinkedHashMap<>();
            params.put("blocks.0.layer.proj_up.weight", w);
            params.put("blocks.0.layer.proj_up.bias", b);
            Optimizer opt = new Optimizer(ops, params, 1, OptimizerSettings.adamw(0.1));
            assertThat(opt.weightDecayOf("blocks.0.layer.proj_up.bias")).isZero();
            float[][] grads = {{0.5f, -1, 0.25f, 2}, {-0.5f, 0.3f, 0.1f, 1}};
            double[] p = {1, -2, 3, 0.5};
            double[] m = new double[4];
            double[] v = new double[4];
            double lr = 0.01;
            for (int t = 1; t <= 2; t++) {
                long mark = ops.mark();
                Tensor g = ops.upload(Shape.of(2, 2), grads[t - 1]);
                Tensor gb = ops.upload(Shape.of(2), new float[]{1, 1});
                opt.step(Map.of(w, g, b, gb), lr);
                ops.release(mark);
                for (int i = 0; i < 4; i++) {
                    double gi = grads[t - 1][i];
                    p[i] *= 1 - lr * 0.1;
                    m[i] = 0.9 * m[i] + 0.1 * gi;
                    v[i] = 0.999 * v[i] + 0.001 * gi * gi;
                    double mhat = m[i] / (1 - Math.pow(0.9, t));
                    double vhat = v[i] / (1 - Math.pow(0.999, t));
                    p[i] -= lr * mhat / (Math.sqrt(vhat) + 1e-8);
                }
            }
            float[] actual = ops.download(w);
            for (int i = 0; i < 4; i++) {
                assertThat((double) actual[i]).as("w[%d]", i).isCloseTo(p[i], within(1e-6));
            }
            // no decay on the bias: two steps of +-lr against a constant gradient
            assertThat(ops.download(b)[0]).isCloseTo(0.1f - 0.02f, within(1e-6f));
        }
    }

    @Test
    void sgdWithMomentumAndClipping() {
        try (Ops ops = PLUGINS.backend("java").open(null)) {
            Tensor w = ops.parameter(Shape.of(2), new float[]{1, 1});
            OptimizerSettings sgd = new OptimizerSettings("sgd", 0, WeightDecayExclusion.NONE, 0, 0, 0, 0.9, false,
                    1.0, 1);
            Optimizer opt = new Optimizer(ops, Map.of("head.weight", w), 1, sgd);
            long mark = ops.mark();
            Tensor g = ops.upload(Shape.of(2), new float[]{3, 4}); // norm 5: clipped to norm 1
            double norm = opt.step(Map.of(w, g), 0.1);
            assertThat(norm).isCloseTo(5, within(1e-9));
            float[] afterOne = ops.download(w);
            assertThat(afterOne[0]).isCloseTo(1 - 0.1f * 0.6f, within(1e-6f));
            opt.step(Map.of(w, g), 0.1);
            ops.release(mark);
            // v2 = 0.9 * v1 + g: 0.9 * 0.6 + 0.6 = 1.14
            assertThat(ops.download(w)[0]).isCloseTo(afterOne[0] - 0.1f * 1.14f, within(1e-6f));
        }
    }

    @Test
    void layerwiseDecayFollowsTheReference() {
        // 4 blocks -> 5 layers: stem d^5, block i d^(4 - i), head 1
        assertThat(Optimizer.lrScale("pos_embed.embed", 4, 0.5)).isEqualTo(Math.pow(0.5, 5));
        assertThat(Optimizer.lrScale("patch_embed.proj.weight", 4, 0.5)).isEqualTo(Math.pow(0.5, 5));
        assertThat(Optimizer.lrScale("blocks.0.rowwise_from_top_left.norm.weight", 4, 0.5)).isEqualTo(Math.pow(0.5, 4));
        assertThat(Optimizer.lrScale("blocks.3.layer.proj_up.weight", 4, 0.5)).isEqualTo(0.5);
        assertThat(Optimizer.lrScale("head.weight", 4, 0.5)).isEqualTo(1);
        assertThat(Optimizer.lrScale("blocks.3.layer.proj_up.weight", 4, 1)).isEqualTo(1);
    }

    @Test
    void weightDecayExclusions() {
        assertThat(WeightDecayExclusion.POS_EMBED.excludes("pos_embed.embed", Shape.of(1, 4, 4, 8))).isTrue();
        assertThat(WeightDecayExclusion.POS_EMBED.excludes("head.bias", Shape.of(10))).isFalse();
        assertThat(WeightDecayExclusion.POS_EMBED_BIAS_NORM.excludes("head.bias", Shape.of(10))).isTrue();
        assertThat(WeightDecayExclusion.POS_EMBED_BIAS_NORM.excludes("norm.weight", Shape.of(8))).isTrue();
        assertThat(WeightDecayExclusion.POS_EMBED_BIAS_NORM.excludes("head.weight", Shape.of(10, 8))).isFalse();
    }

    @Test
    void scheduleWarmsUpLinearlyThenFollowsTheCosine() {
        LearningRateSchedule s = new LearningRateSchedule(1.0, 0.0, 10, 110);
        assertThat(s.at(0)).isCloseTo(0.1, within(1e-12));
        assertThat(s.at(9)).isCloseTo(1.0, within(1e-12));
        assertThat(s.at(60)).isCloseTo(0.5, within(1e-12));
        assertThat(s.at(110)).isCloseTo(0.0, within(1e-12));
    }

    @Test
    void dropPathKeepsTheReferencesCountAndScale() {
        DropPath dp = new DropPath(TrainerTest.tinyConfig(), 0.25, false, 1);
        dp.setStep(3);
        float[] scales = dp.scales(0, 8);
        assertThat(scales).containsOnly(0f, 8f / 6);
        int kept = 0;
        for (float s : scales) {
            kept += s > 0 ? 1 : 0;
        }
        assertThat(kept).isEqualTo(6);
        assertThat(dp.scales(0, 8)).containsExactly(scales);
        dp.setStep(4);
        assertThat(dp.scales(0, 64)).isNotEqualTo(scales);
        assertThat(new DropPath(TrainerTest.tinyConfig(), 0, false, 1).scales(0, 8)).isNull();
    }

    @Test
    void dropPathFallsBackToBernoulliForSmallBatchesAndDecaysOverDepth() {
        DropPath dp = new DropPath(TrainerTest.tinyConfig(), 0.25, false, 1);
        // batch 2: keeping max(floor(2 * 0.75), 1) = 1 would drop half, so each sample is kept with p = 0.75
        int kept = 0;
        int draws = 0;
        for (int step = 0; step < 400; step++) {
            dp.setStep(step);
            for (float s : dp.scales(0, 2)) {
                assertThat(s).isIn(0f, (float) (1 / 0.75));
                kept += s > 0 ? 1 : 0;
                draws++;
            }
        }
        assertThat((double) kept / draws).isBetween(0.70, 0.80);
        VilConfigHolder four = new VilConfigHolder();
        DropPath decaying = new DropPath(four.config, 0.3, true, 1);
        assertThat(decaying.rate(0)).isZero();
        assertThat(decaying.rate(3)).isCloseTo(0.3, within(1e-12));
        assertThat(decaying.rate(1)).isCloseTo(0.1, within(1e-12));
    }

    /** A v2 model with four block pairs. */
    private static final class VilConfigHolder {
        final org.vil4j.vil.VilConfig config = org.vil4j.vil.VilConfig.fromReference("VisionLSTM2", Map.of("dim", 16,
                "depth", 4, "patch_size", 4, "input_shape", java.util.List.of(1, 8, 8), "output_shape",
                java.util.List.of(4)));
    }

    @Test
    void restoringStateOfAnotherModelListsWhatDoesNotFit() {
        try (Ops ops = PLUGINS.backend("java").open(null)) {
            Tensor w = ops.parameter(Shape.of(2, 2), new float[4]);
            Optimizer opt = new Optimizer(ops, Map.of("head.weight", w), 1, OptimizerSettings.adamw(0));
            Map<String, float[]> state = new LinkedHashMap<>();
            state.put("optim.head.weight.m", new float[3]);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> opt.restore(state, 5, "ckpt.safetensors"))
                    .isInstanceOf(org.vil4j.api.Vil4jException.class)
                    .hasMessageContaining("ckpt.safetensors")
                    .hasMessageContaining("optim.head.weight.m (3 values for [2,2])")
                    .hasMessageContaining("optim.head.weight.v (missing)");
        }
    }
}
