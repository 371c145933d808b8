package org.vil4j.api;

import java.util.List;

/** Weights handed to a model do not fit it; the message lists every missing, unexpected and mis-shaped name. */
public class WeightsMismatchException extends Vil4jException {
    private final List<String> problems;

    public WeightsMismatchException(String source, List<String> problems) {
        super("weights from " + source + " do not fit the model (" + problems.size() + " problem"
                + (problems.size() == 1 ? "" : "s") + "):\n  " + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
