package org.vil4j.opencl;

import org.junit.jupiter.api.Test;
import org.vil4j.api.AttentionGradients;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.ShapeMismatchException;
import org.vil4j.api.Tensor;

import java.util.SplittableRandom;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The transformer ops (GELU and its backward, per-channel scaling, fused attention and its backward) against the Java
 * oracle: odd sizes, several heads, B > 1, large scores (the softmax must subtract its row max).
 */
class OpenCLTransformerOpsMatchJavaTest extends DeviceWithOracle {
    private static void same(String name, double tolerance, Function<Ops, Tensor[]> computation) {
        long dm = device.mark(), om = oracle.mark();
        try {
            Tensor[] d = computation.apply(device);
            Tensor[] o = computation.apply(oracle);
            assertThat(d).hasSameSizeAs(o);
            for (int i = 0; i < d.length; i++) {
                assertThat(d[i].shape()).isEqualTo(o[i].shape());
                float[] dv = device.download(d[i]), ov = oracle.download(o[i]);
                double err = 0, max = 0;
                for (int e = 0; e < dv.length; e++) {
                    assertThat(Float.isFinite(dv[e])).as("%s[%s] element %s", name, i, e).isTrue();
                    err = Math.max(err, Math.abs(dv[e] - ov[e]));
                    max = Math.max(max, Math.abs(ov[e]));
                }
                assertThat(max).as("%s[%s] is not all zero", name, i).isGreaterThan(0);
                assertThat(err / max).as("%s[%s]: max error %s of max %s", name, i, err, max)
                        .isLessThanOrEqualTo(tolerance);
            }
        } finally {
            device.release(dm);
            oracle.release(om);
        }
    }

    private static Tensor in(Ops ops, long seed, double range, int... dims) {
        Shape s = Shape.of(dims);
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[s.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((r.nextDouble() * 2 - 1) * range);
        }
        return ops.upload(s, v);
    }

    @Test
    void geluAndItsBackward() {
        same("gelu", 1e-6, ops -> new Tensor[]{ops.gelu(in(ops, 1, 6, 3, 1001))});
        same("geluBackward", 1e-6, ops -> new Tensor[]{ops.geluBackward(in(ops, 2, 6, 5, 77), in(ops, 3, 1, 5, 77))});
    }

    @Test
    void scaleChannels() {
        same("scaleChannels", 1e-7, ops -> new Tensor[]{ops.scaleChannels(in(ops, 4, 1, 2, 7, 13), in(ops, 5, 1, 13))});
    }

    @Test
    void attentionForwardAndBackward() {
        // B 2, S 17 (16 patches + a class token), 3 heads of 5; and scores large enough to overflow a naive exp
        for (double range : new double[]{1, 12}) {
            same("attention", 1e-5, ops -> new Tensor[]{ops.attention(in(ops, 6, range, 2, 17, 15),
                    in(ops, 7, range, 2, 17, 15), in(ops, 8, 1, 2, 17, 15), 3, 0.4472136f)});
            same("attentionBackward", 1e-4, ops -> {
                AttentionGradients g = ops.attentionBackward(in(ops, 6, range, 2, 17, 15),
                        in(ops, 7, range, 2, 17, 15), in(ops, 8, 1, 2, 17, 15), in(ops, 9, 1, 2, 17, 15), 3,
                        0.4472136f);
                return new Tensor[]{g.dq(), g.dk(), g.dv()};
            });
        }
        // one token, one head
        same("attention S=1", 1e-6, ops -> new Tensor[]{ops.attention(in(ops, 10, 1, 3, 1, 4),
                in(ops, 11, 1, 3, 1, 4), in(ops, 12, 1, 3, 1, 4), 1, 0.5f)});
    }

    @Test
    void attentionRefusesHeadsThatDoNotDivideTheFeatures() {
        long mark = device.mark();
        try {
            Tensor q = in(device, 1, 1, 1, 4, 10);
            assertThatThrownBy(() -> device.attention(q, q, q, 3, 1f)).isInstanceOf(ShapeMismatchException.class)
                    .hasMessageContaining("attention").hasMessageContaining("3 heads");
        } finally {
            device.release(mark);
        }
    }
}
