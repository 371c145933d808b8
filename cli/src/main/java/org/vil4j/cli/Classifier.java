package org.vil4j.cli;

import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.Vil4jException;
import org.vil4j.vil.ActivationSink;
import org.vil4j.vil.OfficialCheckpointLayout;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VisionLstm;

import java.nio.file.Path;
import java.util.List;

/** A classifier built from a weights file, with the evaluation preprocessing sized to its input. */
final class Classifier {
    final VilConfig config;
    final VisionLstm model;
    final double loadSeconds;
    /** Images larger than this (from their headers) are not decoded. */
    long maxImagePixels = org.vil4j.training.data.ImageDecoding.DEFAULT_MAX_PIXELS;
    private final Ops ops;

    Classifier(Plugins plugins, Ops ops, Path weights, String preset, String input) {
        long start = System.nanoTime();
        OfficialCheckpointLayout.Loaded loaded = WeightsFiles.load(weights, preset, WeightsFiles.parseSize(input));
        this.config = loaded.config();
        if (!config.isClassifier()) {
            throw new Vil4jException("weights " + weights + " describe a feature model (no classifier head)");
        }
        this.ops = ops;
        this.model = new VisionLstm(config, plugins, ops, loaded.weights(), weights.toString());
        this.loadSeconds = (System.nanoTime() - start) / 1e9;
    }

    /** Shorter side to min(H, W) of the model's input (224 for the presets), then the H x W center crop. */
    float[] preprocess(Path image) {
        return ImagePreprocessing.evalTransform(ImagePreprocessing.read(image, maxImagePixels),
                Math.min(config.height(), config.width()), config.height(), config.width());
    }

    /** Softmax probabilities [batch][classes] of preprocessed images. */
    double[][] probabilities(List<float[]> images) {
        int b = images.size(), c = config.channels(), h = config.height(), w = config.width();
        float[] batch = new float[b * c * h * w];
        for (int i = 0; i < b; i++) {
            System.arraycopy(images.get(i), 0, batch, i * c * h * w, c * h * w);
        }
        long mark = ops.mark();
        float[] logits;
        try {
            Tensor x = ops.upload(Shape.of(b, c, h, w), batch);
            logits = ops.download(model.forward(x, ActivationSink.NONE));
        } finally {
            ops.release(mark);
        }
        int k = config.numClasses();
        for (int i = 0; i < logits.length; i++) {
            if (!Float.isFinite(logits[i])) {
                throw new Vil4jException("the model's output is not finite (logit " + i % k + " of image "
                        + (i / k + 1) + " of the batch is " + logits[i] + "): the weights overflow on this input");
            }
        }
        double[][] out = new double[b][k];
        for (int i = 0; i < b; i++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j < k; j++) {
                max = Math.max(max, logits[i * k + j]);
            }
            for (int j = 0; j < k; j++) {
                out[i][j] = Math.exp(logits[i * k + j] - max);
                sum += out[i][j];
            }
            for (int j = 0; j < k; j++) {
                out[i][j] /= sum;
            }
        }
        return out;
    }

    /** Indices of the {@code n} largest values, largest first. */
    static int[] top(double[] p, int n) {
        return java.util.stream.IntStream.range(0, p.length).boxed()
                .sorted((a, b) -> Double.compare(p[b], p[a])).limit(n).mapToInt(Integer::intValue).toArray();
    }

    String wnid(int index) {
        return config.numClasses() == ImageNetClasses.COUNT ? ImageNetClasses.wnid(index) : "";
    }

    String className(int index) {
        return config.numClasses() == ImageNetClasses.COUNT ? ImageNetClasses.name(index) : "class " + index;
    }
}
