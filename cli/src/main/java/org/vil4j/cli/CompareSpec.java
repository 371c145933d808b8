package org.vil4j.cli;

import org.vil4j.api.Vil4jException;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One model spec of {@code vil compare}: a name and the {@code vil train} options that set it apart from the other
 * specs (e.g. {@code four_way=--traversal-schedule four_way}, {@code vit=--model vit-fmnist-tiny}); written
 * {@code NAME=OPTIONS}, the options split at spaces. An empty OPTIONS is the recipe as it is.
 */
record CompareSpec(String name, List<String> options) {
    /** A name also names the runs' folders, so it keeps to characters every file system takes. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}");

    CompareSpec {
        options = List.copyOf(options);
    }

    static CompareSpec parse(String text) {
        int eq = text.indexOf('=');
        if (eq < 0) {
            throw new Vil4jException("--spec '" + text + "': expected NAME=OPTIONS, e.g. "
                    + "four_way='--traversal-schedule four_way' (OPTIONS may be empty: NAME=)");
        }
        String name = text.substring(0, eq).trim();
        if (!NAME.matcher(name).matches()) {
            throw new Vil4jException("--spec '" + text + "': the name '" + name + "' must start with a letter or "
                    + "digit and hold only letters, digits, '_', '.', '+', '-' (at most 64; it names the runs' "
                    + "folders)");
        }
        String rest = text.substring(eq + 1).trim();
        List<String> options = rest.isEmpty() ? List.of() : Arrays.asList(rest.split("\\s+"));
        if (!options.isEmpty() && !options.get(0).startsWith("-")) {
            throw new Vil4jException("--spec " + name + ": OPTIONS must begin with an option of vil train, got '"
                    + options.get(0) + "'");
        }
        return new CompareSpec(name, options);
    }

    /** Every spec, in order; two with one name are an error. */
    static List<CompareSpec> parseAll(List<String> texts) {
        if (texts == null || texts.isEmpty()) {
            throw new Vil4jException("--spec: give at least one NAME=OPTIONS");
        }
        List<CompareSpec> specs = texts.stream().map(CompareSpec::parse).toList();
        for (int i = 0; i < specs.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (specs.get(i).name().equals(specs.get(j).name())) {
                    throw new Vil4jException("--spec: the name '" + specs.get(i).name() + "' is given twice");
                }
            }
        }
        return specs;
    }

    /** The options as one line, as the log and the table show them. */
    String optionsText() {
        return text(options);
    }

    /** Spec options as one line; none is the recipe only. */
    static String text(List<String> options) {
        return options.isEmpty() ? "(recipe only)" : String.join(" ", options);
    }
}
