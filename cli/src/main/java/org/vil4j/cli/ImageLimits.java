package org.vil4j.cli;

import org.vil4j.api.MlstmForm;
import org.vil4j.api.Ops;
import org.vil4j.api.Vil4jException;
import org.vil4j.training.model.WeightsFiles;
import org.vil4j.training.data.ImageDecoding;
import org.vil4j.vil.MlstmMixer;
import org.vil4j.vil.VilConfig;
import picocli.CommandLine.Option;

import java.util.Locale;

/**
 * The size limits of predict and eval, which a user may raise: pixels of an input image (checked from its header,
 * before decoding) and tokens per image: 4,096 where the mixer runs in the parallel form (time and memory grow with
 * their square), 65,536 where the mLSTM runs in a linear form (chunkwise, recurrent; what {@code --mlstm-form}
 * and, for auto, the token count and backend decide).
 */
final class ImageLimits {
    /** 4096 tokens: a 1024 x 1024 input at patch 16 (parallel form). */
    static final int DEFAULT_MAX_TOKENS = 4096;
    /** 65,536 tokens: a 4096 x 4096 input at patch 16 (chunkwise and recurrent forms, linear in the tokens). */
    static final int DEFAULT_MAX_TOKENS_LINEAR = 65536;

    @Option(names = "--max-image-pixels", paramLabel = "N", description = "largest image (width x height) to decode; "
            + "larger ones are an error (default: 100000000)")
    long maxImagePixels = ImageDecoding.DEFAULT_MAX_PIXELS;

    @Option(names = "--max-tokens", paramLabel = "N", description = "largest token grid per image (input and patch "
            + "size decide it); larger ones are an error (default: 4096 where the mLSTM runs in the parallel form, "
            + "whose time and memory grow with the square of the tokens; 65536 in the chunkwise and recurrent forms, "
            + "linear)")
    Integer maxTokens;

    /** Checks the limits themselves and the --input text (before any weights are read). */
    void check(String input) {
        ImageDecoding.checkLimit(maxImagePixels);
        if (maxTokens != null && maxTokens < 1) {
            throw new Vil4jException("--max-tokens must be at least 1, got " + maxTokens);
        }
        int[] size = WeightsFiles.parseSize(input);
        if (size != null && (size[0] < 1 || size[1] < 1)) {
            throw new Vil4jException("--input " + input + ": the height and width must be positive");
        }
    }

    /**
     * Checks the token grid of the classifier built for the input against the limit of the mLSTM form it will run
     * in, sets that form where one was chosen, and hands the classifier the pixel limit.
     */
    void apply(Classifier classifier, String input, MlstmFormOptions forms, Ops ops) {
        if (classifier.config == null) { // a backbone plugin's preset runs at its fixed size (checked there)
            if (forms.chosen()) {
                throw new Vil4jException("--mlstm-form/--chunk: this model (a backbone plugin's preset) has no mLSTM");
            }
        } else {
            check(classifier.config, input, forms, ops);
            if (forms.chosen()) {
                classifier.model.setMlstmForm(forms.form(), forms.chunk);
            }
        }
        classifier.maxImagePixels = maxImagePixels;
    }

    /** Checks the token grid of the model built for the input. */
    void check(VilConfig config, String input, MlstmFormOptions forms, Ops ops) {
        int p = config.patchSize(), s = config.stride();
        if (config.height() < p || config.width() < p) {
            throw new Vil4jException(String.format(Locale.ROOT, "--input %s: %dx%d is smaller than one patch (%d)",
                    input, config.height(), config.width(), p));
        }
        long tokens = (long) ((config.height() - p) / s + 1) * ((config.width() - p) / s + 1);
        MlstmForm running = MlstmMixer.NAME.equals(config.mixer())
                ? forms.formFor(ops, (int) Math.min(Integer.MAX_VALUE, tokens)) : MlstmForm.PARALLEL;
        boolean linear = running != MlstmForm.PARALLEL;
        long limit = maxTokens != null ? maxTokens : linear ? DEFAULT_MAX_TOKENS_LINEAR : DEFAULT_MAX_TOKENS;
        if (tokens > limit) {
            throw new Vil4jException(String.format(Locale.ROOT, "--input %s gives %,d tokens per image (%dx%d, patch "
                    + "%d), more than the limit of %,d in the %s form (%s); raise it with --max-tokens",
                    input == null ? config.height() + "x" + config.width() : input, tokens, config.height(),
                    config.width(), p, limit, running.id(), linear ? "time and memory grow linearly with them"
                            : "time and memory grow with their square; --mlstm-form chunkwise is linear"));
        }
    }
}
