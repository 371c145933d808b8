package org.vil4j.cli;

import org.vil4j.api.BackboneModel;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.Vil4jException;
import org.vil4j.formats.json.JsonText;
import org.vil4j.training.model.ImageNetClasses;
import org.vil4j.training.model.ImagePreprocessing;
import org.vil4j.training.model.Preprocessing;
import org.vil4j.training.model.VilModel;
import org.vil4j.training.model.WeightsFiles;
import org.vil4j.vil.VilConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * predict's and eval's model: a {@link VilModel} on the command's backend, with --model and --input applied; or,
 * when --model names a backbone plugin's preset (e.g. {@code deit3-tiny}), that backbone's model with the file's
 * weights under their own names, the official ImageNet evaluation at the preset's size and ImageNet's classes.
 */
final class Classifier {
    /** The ViL configuration, or null for a backbone plugin's model. */
    final VilConfig config;
    /** The ViL model, or null for a backbone plugin's model. */
    final VilModel model;
    final double loadSeconds;
    /** How images become inputs: the model file's, else the official ImageNet evaluation at the model's size. */
    final Preprocessing preprocessing;
    /** Images larger than this (from their headers) are not decoded. */
    long maxImagePixels = org.vil4j.training.data.ImageDecoding.DEFAULT_MAX_PIXELS;

    private final Ops ops;
    private final BackboneModel backbone;
    private final String backboneName;
    private final int classes;
    private final List<String> classNames;
    private final boolean imageNetClasses;

    Classifier(Plugins plugins, Ops ops, Path weights, String preset, String input) {
        long start = System.nanoTime();
        this.ops = ops;
        Optional<BackbonePresets.Found> plugin = preset == null ? Optional.empty()
                : BackbonePresets.find(plugins, preset);
        if (plugin.isPresent()) {
            BackbonePresets.Found found = plugin.get();
            if (input != null) {
                throw new Vil4jException("--input: " + preset + " (a " + found.backbone().name() + " preset) runs at "
                        + "its own input size only");
            }
            WeightsFiles.Contents contents = WeightsFiles.read(weights);
            if (contents.note() != null) {
                System.err.println("vil: " + contents.note());
            }
            int[] in = found.input();
            this.backbone = found.backbone().create(found.spec(), plugins, ops, contents.weights(),
                    weights.toString());
            this.backboneName = preset;
            this.config = null;
            this.model = null;
            this.preprocessing = Preprocessing.imageNet(in[1], in[2]);
            this.classes = found.spec().integer("num_outputs", ImageNetClasses.COUNT);
            this.imageNetClasses = classes == ImageNetClasses.COUNT;
            List<String> names = new ArrayList<>();
            for (int i = 0; i < classes; i++) {
                names.add(imageNetClasses ? ImageNetClasses.name(i) : "class " + i);
            }
            this.classNames = names;
        } else {
            WeightsFiles.Loaded loaded = WeightsFiles.load(weights, preset, WeightsFiles.parseSize(input));
            if (loaded.note() != null) {
                System.err.println("vil: " + loaded.note());
            }
            this.model = VilModel.on(plugins, ops, loaded, weights.toString());
            this.config = model.config();
            this.preprocessing = model.preprocessing();
            this.backbone = null;
            this.backboneName = null;
            this.classes = config.numClasses();
            this.classNames = model.classNames();
            this.imageNetClasses = model.hasImageNetClasses();
        }
        this.loadSeconds = (System.nanoTime() - start) / 1e9;
    }

    int numClasses() {
        return classes;
    }

    /** The model's configuration as JSON (predict --logits). */
    String configJson() {
        return config != null ? org.vil4j.training.ConfigJson.write(config)
                : "{\"backbone\":" + JsonText.quote(backboneName) + "}";
    }

    /** The model's preprocessing of an image file (one-line error naming the file when it cannot be read). */
    float[] preprocess(Path image) {
        return preprocessing.apply(ImagePreprocessing.decode(image, maxImagePixels));
    }

    /** Logits of one preprocessed image. */
    float[] logits(float[] pixels) {
        return model != null ? model.logits(pixels, 1) : backboneLogits(pixels, 1);
    }

    /** Softmax probabilities [batch][classes] of preprocessed images. */
    double[][] probabilities(List<float[]> images) {
        if (model != null) {
            return model.probabilities(images);
        }
        int size = images.get(0).length;
        float[] batch = new float[images.size() * size];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(images.get(i), 0, batch, i * size, size);
        }
        float[] logits = backboneLogits(batch, images.size());
        double[][] out = new double[images.size()][classes];
        for (int i = 0; i < out.length; i++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j < classes; j++) {
                if (!Float.isFinite(logits[i * classes + j])) {
                    throw new Vil4jException("the model's output is not finite (logit " + j + " of image " + (i + 1)
                            + " of the batch): the weights overflow on this input");
                }
                max = Math.max(max, logits[i * classes + j]);
            }
            for (int j = 0; j < classes; j++) {
                out[i][j] = Math.exp(logits[i * classes + j] - max);
                sum += out[i][j];
            }
            for (int j = 0; j < classes; j++) {
                out[i][j] /= sum;
            }
        }
        return out;
    }

    private float[] backboneLogits(float[] inputs, int batch) {
        long mark = ops.mark();
        try {
            Tensor x = ops.upload(Shape.of(batch, preprocessing.channels(), preprocessing.height(),
                    preprocessing.width()), inputs);
            return ops.download(backbone.forward(x, (n, t) -> { }));
        } finally {
            ops.release(mark);
        }
    }

    /** Indices of the {@code n} largest values, largest first. */
    static int[] top(double[] p, int n) {
        return java.util.stream.IntStream.range(0, p.length).boxed()
                .sorted((a, b) -> Double.compare(p[b], p[a])).limit(n).mapToInt(Integer::intValue).toArray();
    }

    /** The ImageNet synset id of a class of an ImageNet model without class names of its own, else "". */
    String wnid(int index) {
        return imageNetClasses ? ImageNetClasses.wnid(index) : "";
    }

    String className(int index) {
        return classNames.get(index);
    }

    List<String> classNames() {
        return classNames;
    }
}
