package org.vil4j.cli;

import org.vil4j.api.BackboneModel;
import org.vil4j.api.ModelSpec;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.Vil4jException;
import org.vil4j.formats.json.JsonText;
import org.vil4j.training.model.ImageNetClasses;
import org.vil4j.training.model.ImagePreprocessing;
import org.vil4j.training.model.ModelInfo;
import org.vil4j.training.model.Preprocessing;
import org.vil4j.training.model.SavedPluginModel;
import org.vil4j.training.model.VilModel;
import org.vil4j.training.model.WeightsFiles;
import org.vil4j.vil.VilConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * predict's and eval's model: a {@link VilModel} on the command's backend, with --model and --input applied; a
 * backbone plugin's model that a model file or checkpoint records (the plugin looked up by the recorded name, every
 * tensor checked against the shapes it declares, the file's preprocessing and class names); or, when --model names
 * a backbone plugin's preset (e.g. {@code deit3-tiny}) and the file records no model, that backbone's model with the
 * file's weights under their own names, the official ImageNet evaluation at the preset's size and ImageNet's classes.
 */
final class Classifier {
    /** The ViL configuration, or null for a backbone plugin's model. */
    final VilConfig config;
    /** The ViL model, or null for a backbone plugin's model. */
    final VilModel model;
    final double loadSeconds;
    /** How images become inputs: the model file's, else the official ImageNet evaluation at the model's size. */
    final Preprocessing preprocessing;
    /** What the weights file records about where it came from (dataset, recipe, ...): empty when nothing. */
    final Map<String, Object> provenance;
    /** Images larger than this (from their headers) are not decoded. */
    long maxImagePixels = org.vil4j.training.data.ImageDecoding.DEFAULT_MAX_PIXELS;

    private final Ops ops;
    private final BackboneModel backbone;
    /** How --logits shows a backbone plugin's model (JSON), or null for a ViL. */
    private final String backboneJson;
    private final int classes;
    private final List<String> classNames;
    private final boolean imageNetClasses;

    Classifier(Plugins plugins, Ops ops, Path weights, String preset, String input) {
        long start = System.nanoTime();
        this.ops = ops;
        int[] size = WeightsFiles.parseSize(input);
        Optional<BackbonePresets.Found> plugin = preset == null ? Optional.empty()
                : BackbonePresets.find(plugins, preset);
        WeightsFiles.Contents contents = WeightsFiles.read(weights);
        this.provenance = contents.info() == null ? Map.of() : contents.info().provenance();
        if (contents.note() != null) {
            System.err.println("vil: " + contents.note());
        }
        if (contents.plugin() != null) {
            // the file records its model: the plugin is found by the recorded name, --model can only agree
            SavedPluginModel saved = SavedPluginModel.of(contents, weights, plugins);
            if (preset != null && (plugin.isEmpty() || !plugin.get().backbone().name().equals(saved.model()
                    .backbone()))) {
                throw new Vil4jException("--model " + preset + ": " + weights + " records its own model (backbone "
                        + "plugin '" + saved.model().backbone() + "'); leave --model out");
            }
            ModelSpec spec = saved.model().spec();
            ModelInfo info = saved.info();
            Preprocessing recorded = info != null ? info.preprocessing() : imageNetAt(spec);
            Preprocessing p = size == null ? recorded : new Preprocessing(recorded.channels(), size[0], size[1],
                    recorded.resize(), recorded.mean(), recorded.std());
            if (size != null) {
                spec = spec.with("input_shape", List.of(p.channels(), size[0], size[1]));
            }
            this.backbone = saved.create(plugins, ops, spec, weights.toString());
            this.backboneJson = saved.model().json();
            this.preprocessing = p;
            this.classNames = info != null && !info.classNames().isEmpty() ? info.classNames()
                    : defaultNames(spec.integer("num_outputs", ImageNetClasses.COUNT));
            this.classes = classNames.size();
            this.imageNetClasses = (info == null || info.classNames().isEmpty()) && classes == ImageNetClasses.COUNT;
            this.config = null;
            this.model = null;
        } else if (plugin.isPresent()) {
            BackbonePresets.Found found = plugin.get().atInput(size);
            int[] in = found.input();
            this.backbone = found.backbone().create(found.spec(), plugins, ops, contents.weights(),
                    weights.toString());
            this.backboneJson = "{\"backbone\":" + JsonText.quote(preset) + "}";
            this.config = null;
            this.model = null;
            this.preprocessing = Preprocessing.imageNet(in[1], in[2]);
            this.classes = found.spec().integer("num_outputs", ImageNetClasses.COUNT);
            this.imageNetClasses = classes == ImageNetClasses.COUNT;
            this.classNames = defaultNames(classes);
        } else {
            WeightsFiles.Loaded loaded = WeightsFiles.load(contents, weights, preset, size);
            this.model = VilModel.on(plugins, ops, loaded, weights.toString());
            this.config = model.config();
            this.preprocessing = model.preprocessing();
            this.backbone = null;
            this.backboneJson = null;
            this.classes = config.numClasses();
            this.classNames = model.classNames();
            this.imageNetClasses = model.hasImageNetClasses();
        }
        this.loadSeconds = (System.nanoTime() - start) / 1e9;
    }

    /** The official ImageNet evaluation at a spec's {@code input_shape} (the reference's 224 when it has none). */
    private static Preprocessing imageNetAt(ModelSpec spec) {
        int[] in = spec.integers("input_shape", new int[]{3, 224, 224});
        return Preprocessing.imageNet(in[in.length - 2], in[in.length - 1]);
    }

    /** ImageNet's class names for 1000 classes, else "class 0", "class 1", ... */
    private static List<String> defaultNames(int classes) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < classes; i++) {
            names.add(classes == ImageNetClasses.COUNT ? ImageNetClasses.name(i) : "class " + i);
        }
        return names;
    }

    int numClasses() {
        return classes;
    }

    /** The model's configuration as JSON (predict --logits). */
    String configJson() {
        return config != null ? org.vil4j.training.ConfigJson.write(config) : backboneJson;
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
            float[] logits = ops.download(backbone.forward(x, (n, t) -> { }));
            if (logits.length != batch * classes) {
                throw new Vil4jException("the model gives " + logits.length / Math.max(1, batch) + " outputs per "
                        + "image, but " + classes + " classes are named (the file's class names or num_outputs)");
            }
            return logits;
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
