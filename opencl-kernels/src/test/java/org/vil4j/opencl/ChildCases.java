package org.vil4j.opencl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The protocol between a test and the child JVM it runs with the preloaded library (PreloadedLibrary.runChild): the
 * child prints each case's largest difference from the java backend as {@code case I: D}, the test reads them back.
 */
final class ChildCases {
    private static final Pattern CASE = Pattern.compile("case (\\d+): ([-0-9.EeNa]+)");

    private ChildCases() {
    }

    /** In the child: one line per case, the OpenCL result against the java backend's. */
    static void print(List<float[]> got, List<float[]> want) {
        for (int i = 0; i < want.size(); i++) {
            System.out.println("case " + i + ": " + difference(got.get(i), want.get(i)));
        }
    }

    /**
     * In the test: every case's difference, in order, after checking that {@code count} came back; a case the child
     * could not compare (lengths differ) reads as NaN, which fails every tolerance.
     */
    static Map<Integer, Double> read(String output, int count) {
        Map<Integer, Double> cases = new LinkedHashMap<>();
        Matcher m = CASE.matcher(output);
        while (m.find()) {
            cases.put(Integer.parseInt(m.group(1)), Double.parseDouble(m.group(2)));
        }
        assertThat(cases).as(output).hasSize(count);
        return cases;
    }

    /** The largest difference relative to the expected result's largest value (absolute where that is 0). */
    static float difference(float[] got, float[] want) {
        if (got.length != want.length) {
            return Float.NaN;
        }
        float max = 0, scale = 0;
        for (int i = 0; i < got.length; i++) {
            max = Math.max(max, Math.abs(got[i] - want[i]));
            scale = Math.max(scale, Math.abs(want[i]));
        }
        return scale == 0 ? max : max / scale;
    }

    static float[] gaussian(Random random, int n, float scale, float shift) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = shift + scale * (float) random.nextGaussian();
        }
        return v;
    }
}
