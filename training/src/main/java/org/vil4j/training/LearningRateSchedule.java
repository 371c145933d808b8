package org.vil4j.training;

/**
 * Linear warm-up from 0 to the peak over {@code warmupSteps}, then a cosine decay to {@code minimum} at {@code
 * totalSteps} (the schedule of the reference's training recipes). Steps count from 0.
 */
public record LearningRateSchedule(double peak, double minimum, long warmupSteps, long totalSteps) {
    public LearningRateSchedule {
        if (peak < 0 || minimum < 0 || warmupSteps < 0 || totalSteps < 1 || warmupSteps > totalSteps) {
            throw new IllegalArgumentException("learning-rate schedule: peak " + peak + ", minimum " + minimum
                    + ", warm-up " + warmupSteps + " of " + totalSteps + " steps is not valid");
        }
    }

    public double at(long step) {
        if (step < warmupSteps) {
            return peak * (step + 1) / warmupSteps;
        }
        long decaySteps = totalSteps - warmupSteps;
        double progress = decaySteps == 0 ? 1 : Math.min(1.0, (double) (step - warmupSteps) / decaySteps);
        return minimum + (peak - minimum) * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
}
