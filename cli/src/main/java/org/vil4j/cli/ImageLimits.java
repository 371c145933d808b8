package org.vil4j.cli;

import org.vil4j.api.Vil4jException;
import org.vil4j.training.model.WeightsFiles;
import org.vil4j.training.data.ImageDecoding;
import org.vil4j.vil.VilConfig;
import picocli.CommandLine.Option;

import java.util.Locale;

/**
 * The size limits of predict and eval, which a user may raise: pixels of an input image (checked from its header,
 * before decoding) and tokens per image (the mLSTM's time and memory grow with their square).
 */
final class ImageLimits {
    /** 4096 tokens: a 1024 x 1024 input at patch 16. */
    static final int DEFAULT_MAX_TOKENS = 4096;

    @Option(names = "--max-image-pixels", paramLabel = "N", description = "largest image (width x height) to decode; "
            + "larger ones are an error (default: 100000000)")
    long maxImagePixels = ImageDecoding.DEFAULT_MAX_PIXELS;

    @Option(names = "--max-tokens", paramLabel = "N", description = "largest token grid per image (input and patch "
            + "size decide it); larger ones are an error, as time and memory grow with its square (default: 4096)")
    int maxTokens = DEFAULT_MAX_TOKENS;

    /** Checks the limits themselves and the --input text (before any weights are read). */
    void check(String input) {
        ImageDecoding.checkLimit(maxImagePixels);
        if (maxTokens < 1) {
            throw new Vil4jException("--max-tokens must be at least 1, got " + maxTokens);
        }
        int[] size = WeightsFiles.parseSize(input);
        if (size != null && (size[0] < 1 || size[1] < 1)) {
            throw new Vil4jException("--input " + input + ": the height and width must be positive");
        }
    }

    /** Checks the token grid of the classifier built for the input and hands it the pixel limit. */
    void apply(Classifier classifier, String input) {
        if (classifier.config != null) { // a backbone plugin's preset runs at its fixed size (checked there)
            check(classifier.config, input);
        }
        classifier.maxImagePixels = maxImagePixels;
    }

    /** Checks the token grid of the model built for the input. */
    void check(VilConfig config, String input) {
        int p = config.patchSize(), s = config.stride();
        if (config.height() < p || config.width() < p) {
            throw new Vil4jException(String.format(Locale.ROOT, "--input %s: %dx%d is smaller than one patch (%d)",
                    input, config.height(), config.width(), p));
        }
        long tokens = (long) ((config.height() - p) / s + 1) * ((config.width() - p) / s + 1);
        if (tokens > maxTokens) {
            throw new Vil4jException(String.format(Locale.ROOT, "--input %s gives %,d tokens per image (%dx%d, patch "
                    + "%d), more than the limit of %,d: the mLSTM's time and memory grow with their square; raise it "
                    + "with --max-tokens", input == null ? config.height() + "x" + config.width() : input, tokens,
                    config.height(), config.width(), p, maxTokens));
        }
    }
}
