package org.vil4j.conformance;

/**
 * How local a traversal is on one grid: the Manhattan distances between consecutively visited cells.
 *
 * @param steps            steps taken ({@code h*w - 1})
 * @param meanStep         mean Manhattan distance of a step (0 when there is no step); 1 means every step goes to a
 *                         grid neighbour
 * @param unitStepFraction fraction of steps to a 4-neighbour (distance 1)
 * @param maxStep          the longest step
 */
public record LocalityStats(int steps, double meanStep, double unitStepFraction, int maxStep) {

    /** The statistics of {@code order} (row-major grid positions) on an h x w grid. */
    public static LocalityStats of(int[] order, int h, int w) {
        if (order.length != h * w) {
            throw new IllegalArgumentException("order has " + order.length + " entries, the grid " + h + "x" + w);
        }
        long total = 0;
        int unit = 0, max = 0;
        for (int i = 1; i < order.length; i++) {
            int d = Math.abs(order[i] / w - order[i - 1] / w) + Math.abs(order[i] % w - order[i - 1] % w);
            total += d;
            unit += d == 1 ? 1 : 0;
            max = Math.max(max, d);
        }
        int steps = Math.max(0, order.length - 1);
        return new LocalityStats(steps, steps == 0 ? 0 : (double) total / steps, steps == 0 ? 1 : (double) unit / steps,
                max);
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "mean step %.3f, unit steps %.1f%%, longest step %d", meanStep,
                100 * unitStepFraction, maxStep);
    }
}
