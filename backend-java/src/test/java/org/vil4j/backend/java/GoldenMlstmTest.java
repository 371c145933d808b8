package org.vil4j.backend.java;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vil4j.backend.java.TestData.assertClose;
import static org.vil4j.backend.java.TestData.maxAbs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vil4j.api.MlstmForm;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

/**
 * The mLSTM cell against h computed by the official parallel_stabilized_simple (the repository's golden/). The files
 * hold [B, NH, S, DH] tensors; the op takes [B, S, NH*DH].
 */
class GoldenMlstmTest {
    private static final Pattern EPS = Pattern.compile("\"eps\"\\s*:\\s*([0-9.eE+-]+)");

    /** A golden cell case: its inputs in our layout, the official h, and the eps it was made with. */
    private record Cell(float[] q, float[] k, float[] v, float[] igate, float[] fgate, double[] h, Shape shape,
                        Shape gates, int heads, float eps) {
        static Cell load(String name) throws IOException {
            Path dir = Path.of(System.getProperty("vil4j.golden", "../golden"));
            Path file = dir.resolve(name + ".safetensors");
            assertThat(file).as("golden file (the repository's golden/ holds it)").isRegularFile();
            Matcher eps = EPS.matcher(Files.readString(dir.resolve(name + ".json")));
            assertThat(eps.find()).isTrue();
            SafeTensors golden = new SafeTensors(Files.readAllBytes(file));
            int[] dims = golden.shape("q");
            int batch = dims[0], heads = dims[1], seq = dims[2], headDim = dims[3];
            return new Cell(headsLast(golden.floats("q"), batch, heads, seq, headDim),
                    headsLast(golden.floats("k"), batch, heads, seq, headDim),
                    headsLast(golden.floats("v"), batch, heads, seq, headDim),
                    headsLast(golden.floats("igate_preact"), batch, heads, seq, 1),
                    headsLast(golden.floats("fgate_preact"), batch, heads, seq, 1),
                    headsLast(golden.doubles("h"), batch, heads, seq, headDim), Shape.of(batch, seq, heads * headDim),
                    Shape.of(batch, seq, heads), heads, Float.parseFloat(eps.group(1)));
        }

        /** h computed by {@code ops} in {@code form} (null: the plain parallel op). */
        float[] run(Ops ops, MlstmForm form, int chunk) {
            Tensor q = ops.upload(shape, this.q), k = ops.upload(shape, this.k), v = ops.upload(shape, this.v);
            Tensor i = ops.upload(gates, igate), f = ops.upload(gates, fgate);
            return ops.download(form == null ? ops.mlstm(q, k, v, i, f, heads, eps)
                    : ops.mlstm(q, k, v, i, f, heads, eps, form, chunk));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlstm-cell-plain", "mlstm-cell-extreme-gates"})
    void matchesTheOfficialCell(String name) throws IOException {
        Cell cell = Cell.load(name);
        try (Ops ops = new JavaBackend().open("cpu")) {
            assertClose(cell.run(ops, null, 0), cell.h(), 1e-5, 1e-7 * maxAbs(cell.h()));
        }
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> forms() {
        java.util.List<org.junit.jupiter.params.provider.Arguments> cases = new java.util.ArrayList<>();
        for (String name : new String[]{"mlstm-cell-plain", "mlstm-cell-extreme-gates", "mlstm-cell-long-4096"}) {
            cases.add(org.junit.jupiter.params.provider.Arguments.of(name, MlstmForm.RECURRENT, 0));
            for (int chunk : new int[]{1, 7, 64}) {
                cases.add(org.junit.jupiter.params.provider.Arguments.of(name, MlstmForm.CHUNKWISE, chunk));
            }
        }
        cases.add(org.junit.jupiter.params.provider.Arguments.of("mlstm-cell-long-4096", MlstmForm.PARALLEL, 0));
        return cases.stream();
    }

    /** Every form against the official parallel form, chunks that divide the sequence and chunks that do not. */
    @ParameterizedTest(name = "{0} {1} chunk {2}")
    @org.junit.jupiter.params.provider.MethodSource("forms")
    void everyFormMatchesTheOfficialCell(String name, MlstmForm form, int chunk) throws IOException {
        Cell cell = Cell.load(name);
        try (Ops ops = new JavaBackend().open("cpu")) {
            float[] actual = cell.run(ops, form, chunk);
            double worst = 0;
            for (int i = 0; i < actual.length; i++) {
                worst = Math.max(worst, Math.abs(actual[i] - cell.h()[i]));
            }
            double relative = worst / maxAbs(cell.h());
            System.out.printf("mlstm %s %s chunk %d: relative error %.3e%n", name, form.id(), chunk, relative);
            assertThat(relative).as("max error relative to max |h|").isLessThanOrEqualTo(1e-4);
        }
    }

    /**
     * The linear-memory backward of every form on the official cells' inputs (a seeded output gradient) against the
     * parallel backward, whose gradients the golden ViL cases hold to torch's autograd: within 1e-3 of each
     * gradient's max (measured ~1e-6).
     */
    @ParameterizedTest
    @ValueSource(strings = {"mlstm-cell-plain", "mlstm-cell-extreme-gates", "mlstm-cell-long-4096"})
    void everyBackwardFormMatchesTheParallelBackward(String name) throws IOException {
        Cell cell = Cell.load(name);
        try (Ops ops = new JavaBackend().open("cpu")) {
            Tensor q = ops.upload(cell.shape(), cell.q()), k = ops.upload(cell.shape(), cell.k());
            Tensor v = ops.upload(cell.shape(), cell.v());
            Tensor i = ops.upload(cell.gates(), cell.igate()), f = ops.upload(cell.gates(), cell.fgate());
            Tensor dh = ops.upload(cell.shape(), TestData.random(17, cell.shape().size(), 1));
            org.vil4j.api.MlstmGradients parallel = ops.mlstmBackward(q, k, v, i, f, dh, cell.heads(), cell.eps());
            Tensor[] expected = {parallel.dq(), parallel.dk(), parallel.dv(), parallel.digate(), parallel.dfgate()};
            String[] names = {"dq", "dk", "dv", "digate", "dfgate"};
            int[][] forms = {{MlstmForm.RECURRENT.ordinal(), 0}, {MlstmForm.CHUNKWISE.ordinal(), 7},
                    {MlstmForm.CHUNKWISE.ordinal(), 64}};
            for (int[] choice : forms) {
                MlstmForm form = MlstmForm.values()[choice[0]];
                org.vil4j.api.MlstmGradients g = ops.mlstmBackward(q, k, v, i, f, dh, cell.heads(), cell.eps(), form,
                        choice[1]);
                Tensor[] actual = {g.dq(), g.dk(), g.dv(), g.digate(), g.dfgate()};
                for (int t = 0; t < 5; t++) {
                    float[] a = ops.download(actual[t]);
                    float[] e = ops.download(expected[t]);
                    double worst = 0, max = 0;
                    for (int x = 0; x < a.length; x++) {
                        worst = Math.max(worst, Math.abs(a[x] - e[x]));
                        max = Math.max(max, Math.abs(e[x]));
                    }
                    System.out.printf("mlstm backward %s %s chunk %d %s: %.3e of max%n", name, form.id(), choice[1],
                            names[t], worst / max);
                    assertThat(max).as("%s is not all zero", names[t]).isGreaterThan(0);
                    assertThat(worst / max).as("%s %s %s", name, form.id(), names[t]).isLessThanOrEqualTo(1e-3);
                }
            }
        }
    }

    /** [B, NH, S, D] to [B, S, NH*D]. */
    private static float[] headsLast(float[] x, int batch, int heads, int seq, int d) {
        float[] out = new float[x.length];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int s = 0; s < seq; s++) {
                    System.arraycopy(x, ((b * heads + h) * seq + s) * d, out, ((b * seq + s) * heads + h) * d, d);
                }
            }
        }
        return out;
    }

    private static double[] headsLast(double[] x, int batch, int heads, int seq, int d) {
        double[] out = new double[x.length];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int s = 0; s < seq; s++) {
                    System.arraycopy(x, ((b * heads + h) * seq + s) * d, out, ((b * seq + s) * heads + h) * d, d);
                }
            }
        }
        return out;
    }

    /** Just enough of the safetensors format for these files: F32 and F64 tensors, little-endian. */
    private static final class SafeTensors {
        private final String header;
        private final ByteBuffer data;

        SafeTensors(byte[] bytes) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            int headerLength = (int) buffer.getLong(0);
            header = new String(bytes, 8, headerLength, StandardCharsets.UTF_8);
            data = ByteBuffer.wrap(bytes, 8 + headerLength, bytes.length - 8 - headerLength).slice()
                    .order(ByteOrder.LITTLE_ENDIAN);
        }

        private Matcher entry(String name) {
            Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*\\{\\s*\"dtype\"\\s*:\\s*\"(\\w+)\"\\s*,"
                    + "\\s*\"shape\"\\s*:\\s*\\[([^\\]]*)\\]\\s*,\\s*\"data_offsets\"\\s*:\\s*\\[(\\d+)\\s*,\\s*(\\d+)\\]")
                    .matcher(header);
            if (!m.find()) {
                throw new AssertionError("no tensor '" + name + "' in " + header);
            }
            return m;
        }

        int[] shape(String name) {
            String[] parts = entry(name).group(2).split(",");
            int[] dims = new int[parts.length];
            for (int i = 0; i < parts.length; i++) {
                dims[i] = Integer.parseInt(parts[i].trim());
            }
            return dims;
        }

        float[] floats(String name) {
            Matcher m = entry(name);
            assertThat(m.group(1)).isEqualTo("F32");
            int start = Integer.parseInt(m.group(3));
            float[] values = new float[(Integer.parseInt(m.group(4)) - start) / 4];
            for (int i = 0; i < values.length; i++) {
                values[i] = data.getFloat(start + 4 * i);
            }
            return values;
        }

        double[] doubles(String name) {
            Matcher m = entry(name);
            assertThat(m.group(1)).isEqualTo("F64");
            int start = Integer.parseInt(m.group(3));
            double[] values = new double[(Integer.parseInt(m.group(4)) - start) / 8];
            for (int i = 0; i < values.length; i++) {
                values[i] = data.getDouble(start + 8 * i);
            }
            return values;
        }
    }
}
