package org.vil4j.cli;

import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.training.model.ImageNetClasses;
import org.vil4j.training.model.ImagePreprocessing;
import org.vil4j.training.model.Preprocessing;
import org.vil4j.training.model.VilModel;
import org.vil4j.training.model.WeightsFiles;
import org.vil4j.vil.VilConfig;

import java.nio.file.Path;
import java.util.List;

/** predict's and eval's model: a {@link VilModel} on the command's backend, with --model and --input applied. */
final class Classifier {
    final VilConfig config;
    final VilModel model;
    final double loadSeconds;
    /** How images become inputs: the model file's, else the official ImageNet evaluation at the model's size. */
    final Preprocessing preprocessing;
    /** Images larger than this (from their headers) are not decoded. */
    long maxImagePixels = org.vil4j.training.data.ImageDecoding.DEFAULT_MAX_PIXELS;

    Classifier(Plugins plugins, Ops ops, Path weights, String preset, String input) {
        long start = System.nanoTime();
        WeightsFiles.Loaded loaded = WeightsFiles.load(weights, preset, WeightsFiles.parseSize(input));
        if (loaded.note() != null) {
            System.err.println("vil: " + loaded.note());
        }
        this.model = VilModel.on(plugins, ops, loaded, weights.toString());
        this.config = model.config();
        this.preprocessing = model.preprocessing();
        this.loadSeconds = (System.nanoTime() - start) / 1e9;
    }

    /** The model's preprocessing of an image file (one-line error naming the file when it cannot be read). */
    float[] preprocess(Path image) {
        return model.input(ImagePreprocessing.decode(image, maxImagePixels));
    }

    /** Softmax probabilities [batch][classes] of preprocessed images. */
    double[][] probabilities(List<float[]> images) {
        return model.probabilities(images);
    }

    /** Indices of the {@code n} largest values, largest first. */
    static int[] top(double[] p, int n) {
        return java.util.stream.IntStream.range(0, p.length).boxed()
                .sorted((a, b) -> Double.compare(p[b], p[a])).limit(n).mapToInt(Integer::intValue).toArray();
    }

    /** The ImageNet synset id of a class of an ImageNet model without class names of its own, else "". */
    String wnid(int index) {
        return model.hasImageNetClasses() ? ImageNetClasses.wnid(index) : "";
    }

    String className(int index) {
        return model.classNames().get(index);
    }

    List<String> classNames() {
        return model.classNames();
    }
}
