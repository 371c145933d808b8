package org.vil4j.examples;

import org.vil4j.api.BackendChoice;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.training.LoaderBatchSource;
import org.vil4j.training.Trainer;
import org.vil4j.training.TrainingSettings;
import org.vil4j.training.data.Augmentation;
import org.vil4j.training.data.BatchLoader;
import org.vil4j.training.data.ByteImageDataset;
import org.vil4j.training.data.Dataset;
import org.vil4j.training.data.Normalisation;
import org.vil4j.training.model.ModelFile;
import org.vil4j.training.model.ModelInfo;
import org.vil4j.training.model.Preprocessing;
import org.vil4j.training.model.VilModel;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VilInitializer;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Trains a tiny ViL for a few steps on generated images (class k: a bright horizontal band at row 4k+2 of a 16x16
 * grey image), saves it as a model file, loads it back and classifies an image. The part between the README markers
 * is the README's "Use from Java" section, word for word (UseFromJavaTest checks).
 */
public final class UseFromJava {
    /** What a run gives back, for the test. */
    public record Result(List<Double> losses, Path modelFile, List<VilModel.Prediction> predictions) {
    }

    private UseFromJava() {
    }

    public static void main(String[] args) {
        Result r = run(Path.of(args.length > 0 ? args[0] : "."));
        System.out.println("losses " + r.losses() + "\n" + r.modelFile() + ": " + r.predictions());
    }

    public static Result run(Path folder) {
        Dataset data = bands(256, 1);
        // README:begin
        VilConfig config = VilConfig.builder().dim(16).depth(1).patchSize(4).input(1, 16, 16).classes(4)
                .schedule("hilbert").build();
        TrainingSettings recipe = TrainingSettings.builder().batchSize(32).learningRate(3e-3).warmup(0).build();
        Normalisation normalisation = new Normalisation(new float[] {0.2f}, new float[] {0.3f});
        Path file = folder.resolve("bands.safetensors");
        List<Double> losses = new ArrayList<>();
        Plugins plugins = Plugins.discover();
        try (Ops ops = BackendChoice.open(plugins, "auto", null)) { // OpenCL on a GPU, else the Java backend
            Trainer trainer = new Trainer(ops, plugins, config, recipe, VilInitializer.initialize(config, 0), "init");
            LoaderBatchSource batches = LoaderBatchSource.training(data, recipe.batchSize(),
                    Augmentation.none(normalisation), recipe.seed(), 1);
            try (BatchLoader epoch = batches.open(0, 0)) { // or trainer.run(batches, ...) for whole epochs
                for (int step = 0; step < 6; step++) {
                    losses.add(trainer.step(epoch.next(), recipe.learningRate()));
                }
            }
            ModelFile.write(file, config, trainer.weights(), new ModelInfo(Preprocessing.training(normalisation, 16,
                    16), data.classNames(), Map.of("dataset", "generated bands")));
        }
        try (VilModel model = VilModel.load(file, "auto")) {
            List<VilModel.Prediction> top = model.predict(band(2), 2); // a BufferedImage; [(2, "row 10", 0.4..), ..]
            // README:end
            return new Result(losses, file, top);
        }
    }

    /** A grey image with a band at row 4k+2. */
    static BufferedImage band(int k) {
        BufferedImage image = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                image.getRaster().setSample(x, y, 0, Math.abs(y - (4 * k + 2)) <= 1 ? 220 : 20);
            }
        }
        return image;
    }

    /** {@code count} noisy band images of the four classes. */
    static Dataset bands(int count, long seed) {
        Random random = new Random(seed);
        byte[] pixels = new byte[count * 16 * 16];
        byte[] labels = new byte[count];
        for (int i = 0; i < count; i++) {
            int k = i % 4;
            labels[i] = (byte) k;
            for (int p = 0; p < 256; p++) {
                int v = random.nextInt(50) + (Math.abs(p / 16 - (4 * k + 2)) <= 1 ? 170 : 0);
                pixels[i * 256 + p] = (byte) v;
            }
        }
        return new ByteImageDataset("bands", 1, 16, 16, pixels, labels, List.of("row 2", "row 6", "row 10",
                "row 14"));
    }
}
