package org.vil4j.backend.java;

/**
 * The rows of the mLSTM gate matrix {@code D[t, s] = exp(F_t - F_s + i_s - m_t)} (s <= t) of one (batch, head), one
 * row after another, with one or two exponentials per row instead of t: since {@code m_t = F_t + max_{s<=t}(i_s -
 * F_s)}, row t is row t-1 times {@code exp(lf_t + m_{t-1} - m_t)} (a factor <= 1, so nothing overflows) plus the new
 * diagonal entry {@code exp(i_t - m_t)}. Double throughout: F reaches hundreds when forget gates are closed.
 */
final class GateRows {
    private final double[] cumulative;
    private final int cumBase;
    private final float[] igate;
    private final int gateBase;
    private final int heads;
    private final double[] row;
    private double best = Double.NEGATIVE_INFINITY;
    private int argmax = -1;
    private double rowMax;
    private int t = -1;

    /** cumulative: {@link MlstmKernel#cumulativeLogForget}; cumBase = (b*NH + h) * (S + 1). */
    GateRows(double[] cumulative, int cumBase, float[] igate, int b, int h, int seq, int heads) {
        this.cumulative = cumulative;
        this.cumBase = cumBase;
        this.igate = igate;
        this.gateBase = b * seq * heads + h;
        this.heads = heads;
        this.row = new double[seq];
    }

    /** Advances to the next row t and returns D[t, 0..t] (entries past t are stale). */
    double[] next() {
        t++;
        double f = cumulative[cumBase + t + 1];
        double candidate = igate[gateBase + t * heads] - f;
        double previousMax = rowMax;
        if (candidate > best) {
            best = candidate;
            argmax = t;
        }
        rowMax = f + best;
        if (t > 0) {
            double factor = Math.exp((f - cumulative[cumBase + t]) + previousMax - rowMax);
            for (int s = 0; s < t; s++) {
                row[s] *= factor;
            }
        }
        row[t] = Math.exp(igate[gateBase + t * heads] - rowMax);
        return row;
    }

    /** m_t of the current row. */
    double rowMax() {
        return rowMax;
    }

    /** The first s at which the current row reaches its maximum. */
    int argmax() {
        return argmax;
    }
}
