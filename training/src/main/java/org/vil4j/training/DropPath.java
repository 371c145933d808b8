package org.vil4j.training;

import org.vil4j.vil.ResidualScaling;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VilVersion;

import java.util.SplittableRandom;

/**
 * Stochastic depth as the reference's DropPath (scale_by_keep): per block, {@code keep = max(floor(B * (1 - p)), 1)}
 * samples keep their residual branch, scaled by {@code B / keep}, the others drop it; when that rounding would move
 * the drop rate by more than 0.01 (small batches) each sample is kept with probability {@code 1 - p} and scaled by
 * {@code 1 / (1 - p)} instead. Rates are constant, or rise linearly from 0 to the rate over the blocks ({@code
 * decay}, the reference's drop_path_decay). Both sub-blocks of a v2 block pair share the pair's rate.
 *
 * <p>The random choices come from (seed, step, sub-block), so a resumed run drops exactly the same paths.
 */
public final class DropPath implements ResidualScaling {
    private static final double TOLERANCE = 0.01;

    private final double[] rates;
    private final long seed;
    private final VilVersion version;
    private long step;

    public DropPath(VilConfig config, double rate, boolean decay, long seed) {
        if (rate < 0 || rate >= 1) {
            throw new IllegalArgumentException("drop-path rate must be in [0, 1), got " + rate);
        }
        int blocks = config.depth();
        this.rates = new double[blocks];
        for (int i = 0; i < blocks; i++) {
            rates[i] = decay && blocks > 1 ? rate * i / (blocks - 1) : rate;
        }
        this.seed = seed;
        this.version = config.version();
    }

    /** The training step the next forward belongs to. */
    public void setStep(long step) {
        this.step = step;
    }

    public double rate(int block) {
        return rates[block];
    }

    @Override
    public float[] scales(int subBlock, int batch) {
        int block = version == VilVersion.V2 ? subBlock / 2 : subBlock;
        double p = rates[block];
        if (p == 0) {
            return null;
        }
        SplittableRandom random = new SplittableRandom(mix(seed, step, subBlock));
        float[] scales = new float[batch];
        double keepProb = 1 - p;
        int keepCount = Math.max((int) (batch * keepProb), 1);
        if (keepProb - (double) keepCount / batch > TOLERANCE) {
            for (int b = 0; b < batch; b++) {
                scales[b] = random.nextDouble() < keepProb ? (float) (1 / keepProb) : 0f;
            }
            return scales;
        }
        int[] order = new int[batch];
        for (int i = 0; i < batch; i++) {
            order[i] = i;
        }
        for (int i = batch - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        float scale = (float) batch / keepCount;
        for (int i = 0; i < keepCount; i++) {
            scales[order[i]] = scale;
        }
        return scales;
    }

    private static long mix(long seed, long step, int subBlock) {
        long h = seed * 0x9E3779B97F4A7C15L + step;
        h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L + subBlock;
        return h ^ (h >>> 29);
    }
}
