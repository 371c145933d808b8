package org.vil4j.cli;

import jakarta.inject.Inject;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.formats.json.JsonText;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** Top-k classes of images with the official evaluation preprocessing. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Classify images (JPEG, PNG) with the model's own preprocessing and class names (a model "
                + "file's; else the official eval: shorter side to the input (224) with Pillow's bicubic, center "
                + "crop, ImageNet mean/std, ImageNet classes); prints the top classes with probabilities.")
final class PredictCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "images to classify")
    List<Path> images = new ArrayList<>();

    @Option(names = "--weights", required = true, description = ".th/.pt/.pth (official or ours) or .safetensors")
    Path weights;

    @Option(names = "--model", description = "preset, e.g. vil2-tiny (default: what the weights describe)")
    String model;

    @Option(names = "--input", description = "input size SIZE or HxW (default: the model's, 224)")
    String input;

    @Option(names = "--top", defaultValue = "5", description = "classes to show (default: ${DEFAULT-VALUE})")
    int top;

    @Option(names = "--json", description = "one JSON document on stdout")
    boolean json;

    @Option(names = "--logits", description = "with --json: also the model config and, per image, the preprocessed "
            + "input and the logits (for checks against other frameworks: tools/gpu/check_export.py)")
    boolean logits;




    @Mixin
    DeviceOptions deviceOptions = new DeviceOptions();

    @Mixin
    ImageLimits limits = new ImageLimits();

    @Mixin
    MlstmFormOptions forms = new MlstmFormOptions();

    private final Plugins plugins;

    @Inject
    PredictCommand(Plugins plugins) {
        this.plugins = plugins;
    }

    @Override
    public Integer call() {
        limits.check(input);
        forms.form(); // a bad --mlstm-form or --chunk fails before the weights are read
        if (top < 1) {
            throw new org.vil4j.api.Vil4jException("--top must be at least 1, got " + top);
        }
        try (Ops ops = deviceOptions.open(plugins)) {
            Classifier classifier = new Classifier(plugins, ops, weights, model, input);
            limits.apply(classifier, input, forms, ops);
            int k = Math.max(1, Math.min(top, classifier.numClasses()));
            StringBuilder doc = new StringBuilder("{\"weights\":" + JsonText.quote(weights.toString())
                    + ",\"backend\":" + JsonText.quote(ops.backendName()) + ",\"load_seconds\":"
                    + String.format(Locale.ROOT, "%.3f", classifier.loadSeconds)
                    + (logits ? ",\"config\":" + classifier.configJson() : "") + ",\"predictions\":[");
            if (!json) {
                System.out.printf(Locale.ROOT, "loaded %s in %.2f s (%s on %s)%n", weights, classifier.loadSeconds,
                        ops.backendName(), ops.deviceName());
            }
            for (int i = 0; i < images.size(); i++) {
                Path image = images.get(i);
                float[] pixels = classifier.preprocess(image);
                double[] p = classifier.probabilities(List.of(pixels))[0];
                int[] best = Classifier.top(p, k);
                if (json) {
                    doc.append(i == 0 ? "" : ",").append("{\"image\":").append(JsonText.quote(image.toString()))
                            .append(",\"top\":[");
                    for (int j = 0; j < best.length; j++) {
                        doc.append(j == 0 ? "" : ",").append("{\"index\":").append(best[j])
                                .append(",\"wnid\":").append(JsonText.quote(classifier.wnid(best[j])))
                                .append(",\"name\":").append(JsonText.quote(classifier.className(best[j])))
                                .append(",\"probability\":").append(String.format(Locale.ROOT, "%.6f", p[best[j]]))
                                .append('}');
                    }
                    doc.append("]");
                    if (logits) {
                        doc.append(",\"input\":").append(floats(pixels)).append(",\"logits\":")
                                .append(floats(classifier.logits(pixels)));
                    }
                    doc.append("}");
                } else {
                    System.out.println(image);
                    for (int c : best) {
                        System.out.printf(Locale.ROOT, "  %6.2f%%  %4d %-9s %s%n", 100 * p[c], c,
                                classifier.wnid(c), classifier.className(c));
                    }
                }
            }
            if (json) {
                System.out.println(doc.append("]}"));
            }
        }
        return 0;
    }

    /** Floats as a JSON array, each as its shortest text (reads back to the same float). */
    private static String floats(float[] values) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            b.append(i == 0 ? "" : ",").append(Float.isFinite(values[i]) ? Float.toString(values[i]) : "null");
        }
        return b.append(']').toString();
    }
}
