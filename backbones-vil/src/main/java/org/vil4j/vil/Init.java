package org.vil4j.vil;

import java.util.SplittableRandom;

/** The random draws of the reference's initialisers, shared by the backbone and its mixer layer. */
final class Init {
    private Init() {
    }

    static void uniform(SplittableRandom r, float[] v, double bound) {
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
        }
    }

    static void normal(SplittableRandom r, float[] v, double std) {
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (gaussian(r) * std);
        }
    }

    /** Normal values redrawn outside two standard deviations, as timm's trunc_normal_ with default bounds does. */
    static void truncatedNormal(SplittableRandom r, float[] v, double std) {
        for (int i = 0; i < v.length; i++) {
            double g;
            do {
                g = gaussian(r);
            } while (Math.abs(g * std) > 2.0);
            v[i] = (float) (g * std);
        }
    }

    static double gaussian(SplittableRandom r) {
        double u1 = 1.0 - r.nextDouble(), u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
