package org.vil4j.training.model;

import org.vil4j.api.BackendChoice;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.Vil4jException;
import org.vil4j.vil.ActivationSink;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VisionLstm;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A classifier loaded from a weights file, ready to predict: its preprocessing and class names come from a model
 * file, or (files without metadata) are ImageNet's official evaluation and, for 1000 classes, ImageNet's classes.
 * <pre>{@code
 * try (VilModel model = VilModel.load(Path.of("runs/x/model.safetensors"), "auto")) {
 *     List<VilModel.Prediction> top = model.predict(image, 5);
 * }
 * }</pre>
 */
public final class VilModel implements AutoCloseable {
    /** One class of a prediction, with its softmax probability. */
    public record Prediction(int index, String name, double probability) {
    }

    private final WeightsFiles.Loaded loaded;
    private final Ops ops;
    private final boolean ownsOps;
    private final VisionLstm network;
    private final Preprocessing preprocessing;
    private final List<String> classNames;
    private final boolean imageNetClasses;

    private VilModel(WeightsFiles.Loaded loaded, Plugins plugins, Ops ops, boolean ownsOps, String source) {
        this.loaded = loaded;
        VilConfig config = loaded.config();
        if (!config.isClassifier()) {
            throw new Vil4jException("weights " + source + " describe a feature model (no classifier head)");
        }
        ModelInfo info = loaded.info();
        this.preprocessing = info != null ? info.preprocessing()
                : Preprocessing.imageNet(config.height(), config.width());
        if (preprocessing.channels() != config.channels()) {
            throw new Vil4jException("weights " + source + ": the model takes " + config.channels() + " channel(s) "
                    + "and records no preprocessing; only 3-channel models get the ImageNet one");
        }
        List<String> names = info != null ? info.classNames() : List.of();
        this.imageNetClasses = names.isEmpty() && config.numClasses() == ImageNetClasses.COUNT;
        if (names.size() != config.numClasses()) {
            names = IntStream.range(0, config.numClasses())
                    .mapToObj(i -> imageNetClasses ? ImageNetClasses.name(i) : "class " + i).toList();
        }
        this.classNames = names;
        this.ops = ops;
        this.ownsOps = ownsOps;
        this.network = new VisionLstm(config, plugins, ops, loaded.weights(), source);
    }

    /**
     * Loads {@code file} (a model file, a training checkpoint, safetensors or .th that describe themselves) on
     * {@code backend} ("auto": OpenCL on a GPU or other accelerator, else Java; "java"; "opencl"); the model owns
     * the backend it opened and closes it.
     */
    public static VilModel load(Path file, String backend) {
        WeightsFiles.Loaded loaded = WeightsFiles.load(file, null, null);
        Plugins plugins = Plugins.discover();
        Ops ops = BackendChoice.open(plugins, backend, null);
        try {
            return new VilModel(loaded, plugins, ops, true, file.toString());
        } catch (RuntimeException e) {
            ops.close();
            throw e;
        }
    }

    /** A model on the caller's backend (left open by {@link #close()}), from weights already read. */
    public static VilModel on(Plugins plugins, Ops ops, WeightsFiles.Loaded loaded, String source) {
        return new VilModel(loaded, plugins, ops, false, source);
    }

    /** Computes the mLSTM in {@code form} (null: by sequence length) with chunks of {@code chunkSize} tokens. */
    public void setMlstmForm(org.vil4j.api.MlstmForm form, int chunkSize) {
        network.setMlstmForm(form, chunkSize);
    }

    public VilConfig config() {
        return loaded.config();
    }

    /** What the file recorded besides the weights, or null (files without metadata). */
    public ModelInfo info() {
        return loaded.info();
    }

    public Preprocessing preprocessing() {
        return preprocessing;
    }

    public List<String> classNames() {
        return classNames;
    }

    /** Whether the classes are ImageNet-1k's by position (a published checkpoint): then {@link ImageNetClasses}. */
    public boolean hasImageNetClasses() {
        return imageNetClasses;
    }

    /** The backend the model runs on. */
    public Ops ops() {
        return ops;
    }

    /** {@code image} as this model's input, {@code [C, H, W]}. */
    public float[] input(BufferedImage image) {
        return preprocessing.apply(image);
    }

    /** Logits {@code [batch, classes]} of {@code batch} preprocessed inputs laid end to end ({@code [B, C, H, W]}). */
    public float[] logits(float[] inputs, int batch) {
        VilConfig c = loaded.config();
        int size = preprocessing.channels() * preprocessing.height() * preprocessing.width();
        if (batch < 1 || inputs.length != batch * size) {
            throw new Vil4jException("model input: " + inputs.length + " floats for a batch of " + batch + " images of "
                    + preprocessing.channels() + "x" + preprocessing.height() + "x" + preprocessing.width());
        }
        long mark = ops.mark();
        try {
            Tensor x = ops.upload(Shape.of(batch, c.channels(), preprocessing.height(), preprocessing.width()),
                    inputs);
            return ops.download(network.forward(x, ActivationSink.NONE));
        } finally {
            ops.release(mark);
        }
    }

    /** Softmax probabilities {@code [batch][classes]} of preprocessed inputs. */
    public double[][] probabilities(List<float[]> inputs) {
        int size = preprocessing.channels() * preprocessing.height() * preprocessing.width();
        float[] batch = new float[inputs.size() * size];
        for (int i = 0; i < inputs.size(); i++) {
            System.arraycopy(inputs.get(i), 0, batch, i * size, size);
        }
        float[] logits = logits(batch, inputs.size());
        int k = loaded.config().numClasses();
        for (int i = 0; i < logits.length; i++) {
            if (!Float.isFinite(logits[i])) {
                throw new Vil4jException("the model's output is not finite (logit " + i % k + " of image "
                        + (i / k + 1) + " of the batch is " + logits[i] + "): the weights overflow on this input");
            }
        }
        double[][] out = new double[inputs.size()][k];
        for (int i = 0; i < out.length; i++) {
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

    /** The {@code top} most probable classes of {@code image}, most probable first. */
    public List<Prediction> predict(BufferedImage image, int top) {
        return predictions(probabilities(List.of(input(image)))[0], top);
    }

    /** The {@code top} largest of {@code probabilities}, largest first, with the class names. */
    public List<Prediction> predictions(double[] probabilities, int top) {
        List<Prediction> out = new ArrayList<>();
        IntStream.range(0, probabilities.length).boxed()
                .sorted((a, b) -> Double.compare(probabilities[b], probabilities[a]))
                .limit(Math.max(1, top))
                .forEach(i -> out.add(new Prediction(i, classNames.get(i), probabilities[i])));
        return out;
    }

    @Override
    public void close() {
        if (ownsOps) {
            ops.close();
        }
    }
}
