package org.vil4j.training;

import org.vil4j.api.Vil4jException;

/** The loss stopped being a finite number; the run stops and the last good checkpoint stays as it was. */
public final class TrainingDivergedException extends Vil4jException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
