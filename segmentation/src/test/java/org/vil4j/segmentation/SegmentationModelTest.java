package org.vil4j.segmentation;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.api.HostTensor;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.Vil4jException;
import org.vil4j.conformance.kit.SharedBackends;
import org.vil4j.segmentation.data.JointAugmentation;
import org.vil4j.segmentation.data.SegmentationDataset;
import org.vil4j.training.data.Normalisation;
import org.vil4j.vil.VilConfig;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A tiny ViL + decoder end to end: both backends agree, training lowers the loss, the model file round-trips. */
class SegmentationModelTest {
    private static final int SIDE = 16;

    static SegmentationConfig config(String decoder, String schedule) {
        VilConfig backbone = VilConfig.builder().dim(8).depth(2).patchSize(4).input(1, SIDE, SIDE).classes(0)
                .pooling("none").schedule(schedule).build();
        return new SegmentationConfig(backbone, decoder, 4, SegmentationConfig.evenBlocks(2, 4),
                SegmentationConfig.DEFAULT_SCALES, List.of("background", "bar", "square"), 0.4);
    }

    /** Images with a bright horizontal bar (class 1) and a mid-grey square (class 2) on black. */
    static void batch(int n, long seed, float[] images, int[] labels) {
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            int row = r.nextInt(SIDE - 3), sy = r.nextInt(SIDE - 6), sx = r.nextInt(SIDE - 6);
            for (int y = 0; y < SIDE; y++) {
                for (int x = 0; x < SIDE; x++) {
                    int p = i * SIDE * SIDE + y * SIDE + x;
                    boolean bar = y >= row && y < row + 3, square = y >= sy && y < sy + 6 && x >= sx && x < sx + 6;
                    labels[p] = bar ? 1 : square ? 2 : 0;
                    images[p] = bar ? 1f : square ? 0.5f : 0f;
                }
            }
        }
    }

    @Test
    void featuresComeFromTheChosenBlocksAscending() {
        assertThat(SegmentationConfig.evenBlocks(4, 4)).containsExactly(0, 1, 2, 3);
        assertThat(SegmentationConfig.evenBlocks(12, 4)).containsExactly(2, 5, 8, 11);
        assertThat(SegmentationConfig.evenBlocks(2, 4)).containsExactly(0, 0, 1, 1);
        assertThat(SegmentationConfig.evenBlocks(1, 4)).containsExactly(0, 0, 0, 0);
        SegmentationConfig c = config("upernet", "alternate");
        Ops ops = SharedBackends.ops("java");
        SegmentationModel model = new SegmentationModel(c, SharedBackends.plugins(), ops,
                SegmentationModel.initialize(c, 1), "test");
        long mark = ops.mark();
        Tensor x = ops.upload(Shape.of(2, 1, SIDE, SIDE), new float[2 * SIDE * SIDE]);
        List<Tensor> f = model.backbone().features(x, new int[]{0, 1});
        assertThat(f).hasSize(2);
        assertThat(f.get(0).shape()).isEqualTo(Shape.of(2, 16, 8));
        assertThatThrownBy(() -> model.backbone().features(x, new int[]{1, 0})).isInstanceOf(Vil4jException.class)
                .hasMessageContaining("must ascend");
        SegmentationModel.Output out = model.forward(x);
        assertThat(out.logits().shape()).isEqualTo(Shape.of(2, SIDE * SIDE, 3));
        assertThat(out.auxLogits().shape()).isEqualTo(Shape.of(2, SIDE * SIDE, 3));
        ops.release(mark);
    }

    @Test
    void openclComputesWhatJavaComputes() {
        for (String decoder : List.of("upernet", "linear")) {
            SegmentationConfig c = config(decoder, "four_way");
            Map<String, HostTensor> w = SegmentationModel.initialize(c, 2);
            float[] images = new float[2 * SIDE * SIDE];
            batch(2, 3, images, new int[images.length]);
            float[][] logits = new float[2][];
            int i = 0;
            for (String backend : List.of("java", "opencl")) {
                Ops ops = SharedBackends.ops(backend);
                SegmentationModel model = new SegmentationModel(c, SharedBackends.plugins(), ops, w, "test");
                long mark = ops.mark();
                logits[i++] = ops.download(model.forward(ops.upload(Shape.of(2, 1, SIDE, SIDE), images)).logits());
                ops.release(mark);
            }
            double max = 0, diff = 0;
            for (int k = 0; k < logits[0].length; k++) {
                max = Math.max(max, Math.abs(logits[0][k]));
                diff = Math.max(diff, Math.abs(logits[0][k] - logits[1][k]));
            }
            assertThat(diff / max).as(decoder).isLessThanOrEqualTo(1e-4);
        }
    }

    /** The bar-and-square scenes as a dataset: sample i is {@link #batch}'s first image for seed i. */
    private static SegmentationDataset bars(int size) {
        return new SegmentationDataset() {
            public String name() {
                return "bars";
            }

            public int size() {
                return size;
            }

            public int channels() {
                return 1;
            }

            public int height() {
                return SIDE;
            }

            public int width() {
                return SIDE;
            }

            public List<String> classNames() {
                return List.of("background", "bar", "square");
            }

            public void sample(int index, float[] image, int imageOffset, int[] labels, int labelOffset) {
                float[] one = new float[SIDE * SIDE];
                int[] map = new int[SIDE * SIDE];
                batch(1, index, one, map);
                System.arraycopy(one, 0, image, imageOffset, one.length);
                System.arraycopy(map, 0, labels, labelOffset, map.length);
            }
        };
    }

    @Test
    void loaderThreadsChangeNothingButTheTime() {
        SegmentationConfig c = config("upernet", "alternate");
        double[][] losses = new double[2][];
        int[] threads = {1, 3};
        for (int t = 0; t < 2; t++) {
            SegmentationTrainer.Settings settings = new SegmentationTrainer.Settings(2, 4, 1e-2, 1e-3, 0, 0.05, 1, 3,
                    new JointAugmentation(0.75, 1.25, true, 3), Normalisation.IDENTITY_GREY, threads[t]);
            SegmentationTrainer trainer = new SegmentationTrainer(SharedBackends.ops("java"),
                    SharedBackends.plugins(), c, settings, SegmentationModel.initialize(c, 0), "test");
            losses[t] = trainer.run(bars(24), bars(8), 8, new SegmentationTrainer.Listener() { }).stream()
                    .mapToDouble(SegmentationTrainer.EpochResult::trainLoss).toArray();
        }
        assertThat(losses[0]).hasSize(2);
        assertThat(java.util.Arrays.stream(losses[0]).allMatch(Double::isFinite)).isTrue();
        assertThat(losses[1]).containsExactly(losses[0]); // the same batches in the same order, to the bit
        assertThatThrownBy(() -> new SegmentationTrainer.Settings(1, 4, 1e-2, 1e-3, 0, 0, 1, 0,
                JointAugmentation.none(), Normalisation.IDENTITY_GREY, 0)).isInstanceOf(Vil4jException.class)
                .hasMessageContaining("--loader-threads");
    }

    @Test
    void layerDecaySlowsTheBackboneTowardsItsInputAndLeavesTheDecoderAtTheFullRate() {
        SegmentationConfig c = config("upernet", "alternate");
        SegmentationTrainer.Settings settings = new SegmentationTrainer.Settings(1, 8, 1e-2, 1e-2, 0, 0, 0.5, 0,
                JointAugmentation.none(), Normalisation.IDENTITY_GREY, 1);
        SegmentationTrainer trainer = new SegmentationTrainer(SharedBackends.ops("java"), SharedBackends.plugins(),
                c, settings, SegmentationModel.initialize(c, 0), "test");
        var names = trainer.model().parameters().keySet();
        // depth 2 (block pairs): layers = 3; block 1 at 0.5^1, block 0 at 0.5^2, the embedding at 0.5^3
        String last = names.stream().filter(n -> n.startsWith("blocks.1.")).findFirst().orElseThrow();
        String first = names.stream().filter(n -> n.startsWith("blocks.0.")).findFirst().orElseThrow();
        String embed = names.stream().filter(n -> n.startsWith("patch_embed")).findFirst().orElseThrow();
        assertThat(trainer.lrScaleOf(last)).isEqualTo(0.5, within(1e-6));
        assertThat(trainer.lrScaleOf(first)).isEqualTo(0.25, within(1e-6));
        assertThat(trainer.lrScaleOf(embed)).isEqualTo(0.125, within(1e-6));
        names.stream().filter(n -> n.startsWith(SegmentationModel.DECODER_PREFIX))
                .forEach(n -> assertThat(trainer.lrScaleOf(n)).as(n).isEqualTo(1.0));
    }

    @Test
    void trainingLowersTheLossAndTheModelFileRoundTrips(@TempDir Path dir) {
        SegmentationConfig c = config("upernet", "alternate");
        Ops ops = SharedBackends.ops("java");
        SegmentationTrainer.Settings settings = new SegmentationTrainer.Settings(1, 8, 1e-2, 1e-2, 0, 0, 1, 0,
                JointAugmentation.none(), Normalisation.IDENTITY_GREY, 1);
        SegmentationTrainer trainer = new SegmentationTrainer(ops, SharedBackends.plugins(), c, settings,
                SegmentationModel.initialize(c, 0), "test");
        trainer.model().prepare(SIDE, SIDE);
        float[] images = new float[8 * SIDE * SIDE];
        int[] labels = new int[8 * SIDE * SIDE];
        batch(8, 5, images, labels);
        double first = trainer.step(images, labels, 8, 1e-2);
        double last = first;
        for (int s = 0; s < 14; s++) {
            last = trainer.step(images, labels, 8, 1e-2);
        }
        assertThat(last).as("loss after 15 steps on one batch").isLessThan(0.85 * first);
        int[] predicted = trainer.predict(images, 8, SIDE, SIDE);
        Path file = dir.resolve("model.safetensors");
        SegmentationModelFile.write(file, c, trainer.weights(), trainer.shapes(), Normalisation.IDENTITY_GREY, SIDE,
                Map.of("dataset", "bars"));
        SegmentationModelFile.Loaded loaded = SegmentationModelFile.read(file);
        assertThat(loaded.config().decoder()).isEqualTo("upernet");
        assertThat(loaded.config().blocks()).containsExactly(c.blocks());
        assertThat(loaded.config().classNames()).isEqualTo(c.classNames());
        assertThat(loaded.side()).isEqualTo(SIDE);
        SegmentationModel again = new SegmentationModel(loaded.config(), SharedBackends.plugins(), ops,
                loaded.weights(), file.toString());
        again.prepare(SIDE, SIDE);
        assertThat(SegmentationTrainer.predict(again, images, 8, SIDE, SIDE)).containsExactly(predicted);
    }

    @Test
    void missingDecoderWeightsAreNamed() {
        SegmentationConfig c = config("linear", "alternate");
        Map<String, HostTensor> w = new java.util.LinkedHashMap<>(SegmentationModel.initialize(c, 0));
        w.remove("decode.cls.weight");
        assertThatThrownBy(() -> new SegmentationModel(c, SharedBackends.plugins(), SharedBackends.ops("java"), w,
                "file.safetensors")).hasMessageContaining("decode.cls.weight").hasMessageContaining("file.safetensors");
    }
}
