package org.vil4j.cli;

import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.Vil4jException;
import org.vil4j.vil.ActivationSink;
import org.vil4j.training.data.ImageFolder;
import org.vil4j.training.model.ModelInfo;
import org.vil4j.training.model.Preprocessing;
import org.vil4j.training.model.WeightsFiles;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VisionLstm;

import java.nio.file.Path;
import java.util.List;

/** A classifier built from a weights file, with the evaluation preprocessing sized to its input. */
final class Classifier {
    final VilConfig config;
    final VisionLstm model;
    final double loadSeconds;
    private final Ops ops;

    /** How images become inputs: the model file's, else the official ImageNet evaluation at the model's size. */
    final Preprocessing preprocessing;
    /** One per class: the model file's, else ImageNet's for 1000 classes, else "class i". */
    private final List<String> classNames;
    private final boolean imageNet;

    Classifier(Plugins plugins, Ops ops, Path weights, String preset, String input) {
        long start = System.nanoTime();
        WeightsFiles.Loaded loaded = WeightsFiles.load(weights, preset, WeightsFiles.parseSize(input));
        if (loaded.note() != null) {
            System.err.println("vil: " + loaded.note());
        }
        this.config = loaded.config();
        if (!config.isClassifier()) {
            throw new Vil4jException("weights " + weights + " describe a feature model (no classifier head)");
        }
        ModelInfo info = loaded.info();
        this.preprocessing = info != null ? info.preprocessing()
                : Preprocessing.imageNet(config.height(), config.width());
        if (preprocessing.channels() != config.channels()) {
            throw new Vil4jException("weights " + weights + ": the model takes " + config.channels() + " channel(s) "
                    + "and records no preprocessing; only 3-channel models get the ImageNet one");
        }
        List<String> names = info != null ? info.classNames() : List.of();
        this.imageNet = names.isEmpty() && config.numClasses() == ImageNetClasses.COUNT;
        if (names.size() != config.numClasses()) {
            names = java.util.stream.IntStream.range(0, config.numClasses())
                    .mapToObj(i -> imageNet ? ImageNetClasses.name(i) : "class " + i).toList();
        }
        this.classNames = names;
        this.ops = ops;
        this.model = new VisionLstm(config, plugins, ops, loaded.weights(), weights.toString());
        this.loadSeconds = (System.nanoTime() - start) / 1e9;
    }

    /**
     * The model's preprocessing: the official eval (shorter side to min(H, W), the H x W center crop, ImageNet
     * mean/std), or the whole image stretched to H x W (bilinear, grey for 1-channel models) and the training
     * normalisation.
     */
    float[] preprocess(Path image) {
        Preprocessing p = preprocessing;
        if (p.resize().equals(Preprocessing.SHORTER_SIDE_BICUBIC_CENTER_CROP)) {
            return ImagePreprocessing.evalTransform(ImagePreprocessing.read(image), Math.min(p.height(), p.width()),
                    p.height(), p.width(), p.mean(), p.std());
        }
        float[] out = new float[p.channels() * p.height() * p.width()];
        ImageFolder.planes(ImagePreprocessing.decode(image), p.channels(), p.height(), p.width(), out, 0);
        p.normalisation().apply(out, 0, p.channels(), p.height() * p.width());
        return out;
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

    /** The ImageNet synset id of a class of an ImageNet model without class names of its own, else "". */
    String wnid(int index) {
        return imageNet ? ImageNetClasses.wnid(index) : "";
    }

    String className(int index) {
        return classNames.get(index);
    }

    List<String> classNames() {
        return classNames;
    }
}
