package org.vil4j.api;

import java.util.List;

/** Weights handed to a model do not fit it; the message lists every missing, unexpected and mis-shaped name. */
public class WeightsMismatchException extends Vil4jException {
    private final List<String> problems;

    /** The most problems the message lists; {@link #problems()} has them all. */
    public static final int LISTED = 20;

    public WeightsMismatchException(String source, List<String> problems) {
        super("weights from " + source + " do not fit the model (" + problems.size() + " problem"
                + (problems.size() == 1 ? "" : "s") + "):\n  " + String.join("\n  ",
                problems.subList(0, Math.min(LISTED, problems.size())))
                + (problems.size() > LISTED ? "\n  and " + (problems.size() - LISTED) + " more" : ""));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
