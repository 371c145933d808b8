package org.vil4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Hostile and broken checkpoints end in one line on stderr, exit 2, no output file and nothing else written. */
class HostileCheckpointCliTest {
    @TempDir
    Path dir;

    static byte[] zip(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (var e : entries.entrySet()) {
                ZipEntry entry = new ZipEntry(e.getKey());
                entry.setMethod(ZipEntry.STORED);
                CRC32 crc = new CRC32();
                crc.update(e.getValue());
                entry.setSize(e.getValue().length);
                entry.setCrc(crc.getValue());
                zip.putNextEntry(entry);
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    /** {"w": _rebuild_tensor_v2(FloatStorage "0" of numel, 0, size, (1,...)...)} in protocol 2. */
    static byte[] tensorPickle(long numel, long... size) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.writeBytes(new byte[]{(byte) 0x80, 2, '}', '('});
        str(p, "w");
        p.writeBytes("ctorch._utils\n_rebuild_tensor_v2\n((".getBytes(StandardCharsets.US_ASCII));
        str(p, "storage");
        p.writeBytes("ctorch\nFloatStorage\n".getBytes(StandardCharsets.US_ASCII));
        str(p, "0");
        str(p, "cpu");
        integer(p, numel);
        p.writeBytes(new byte[]{'t', 'Q'});
        integer(p, 0);
        p.write('(');
        for (long s : size) {
            integer(p, s);
        }
        p.write('t');
        p.write('(');
        for (long ignored : size) {
            integer(p, 1);
        }
        p.write('t');
        p.write(0x89);
        p.writeBytes("ccollections\nOrderedDict\n)R".getBytes(StandardCharsets.US_ASCII));
        p.writeBytes(new byte[]{'t', 'R', 'u', '.'});
        return p.toByteArray();
    }

    private static void str(ByteArrayOutputStream p, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        p.write('X');
        p.writeBytes(new byte[]{(byte) b.length, 0, 0, 0});
        p.writeBytes(b);
    }

    private static void integer(ByteArrayOutputStream p, long v) {
        p.write(0x8a);
        p.write(8);
        for (int i = 0; i < 8; i++) {
            p.write((int) (v >>> (8 * i)));
        }
    }

    private Path hostile(String kind) throws IOException {
        byte[] bytes;
        switch (kind) {
            case "os-system" -> {
                ByteArrayOutputStream p = new ByteArrayOutputStream();
                p.writeBytes(new byte[]{(byte) 0x80, 2});
                p.writeBytes("cos\nsystem\n(".getBytes(StandardCharsets.US_ASCII));
                str(p, "touch " + dir.resolve("pwned"));
                p.writeBytes(new byte[]{'t', 'R', '.'});
                bytes = zip(Map.of("archive/data.pkl", p.toByteArray()));
            }
            case "truncated-zip" -> {
                byte[] valid = Files.readAllBytes(CliRun.GOLDEN.resolve("vil2-micro-official-layout.th"));
                bytes = Arrays.copyOf(valid, valid.length * 2 / 3);
            }
            case "random-bytes" -> {
                bytes = new byte[10_000];
                new Random(3).nextBytes(bytes);
            }
            case "short-storage" -> {
                Map<String, byte[]> e = new LinkedHashMap<>();
                e.put("archive/data.pkl", tensorPickle(64, 8, 8));
                e.put("archive/data/0", new byte[100]);
                bytes = zip(e);
            }
            case "huge-shape" -> {
                Map<String, byte[]> e = new LinkedHashMap<>();
                e.put("archive/data.pkl", tensorPickle(4, 1L << 31, 1L << 31, 1L << 31));
                e.put("archive/data/0", new byte[16]);
                bytes = zip(e);
            }
            default -> throw new IllegalArgumentException(kind);
        }
        Path file = dir.resolve(kind + ".th");
        Files.write(file, bytes);
        return file;
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"os-system", "truncated-zip", "random-bytes", "short-storage", "huge-shape"})
    void convertFailsWithOneLineAndNoOutput(String kind) throws IOException {
        Path bad = hostile(kind);
        Path out = dir.resolve("out.safetensors");
        CliRun r = CliRun.of("convert", bad.toString(), out.toString());
        assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).startsWith("vil: ").doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(r.err().strip().lines()).as(r.err()).hasSize(1);
        assertThat(files()).containsExactly(bad); // no output, no temporary file, no pwned marker
        System.out.println(kind + " -> " + r.err().strip());

        CliRun verbose = CliRun.of("convert", bad.toString(), out.toString(), "--verbose");
        assertThat(verbose.exitCode()).isEqualTo(2);
        assertThat(verbose.err()).contains("\tat ");
        assertThat(files()).containsExactly(bad);
    }

    @ParameterizedTest
    @ValueSource(strings = {"os-system", "short-storage", "huge-shape"})
    void conformanceAndPredictFailTheSameWay(String kind) throws IOException {
        Path bad = hostile(kind);
        CliRun r = CliRun.of("conformance", CliRun.GOLDEN.resolve("vil2-micro-th.safetensors").toString(),
                "--weights", bad.toString(), "--backend", "java");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip().lines()).as(r.err()).hasSize(1).allMatch(l -> l.startsWith("vil: "));
        CliRun p = CliRun.of("predict", "--weights", bad.toString(), "--backend", "java", "x.png");
        assertThat(p.exitCode()).isEqualTo(2);
        assertThat(p.err().strip().lines()).as(p.err()).hasSize(1).allMatch(l -> l.startsWith("vil: "));
        assertThat(files()).containsExactly(bad);
    }
}
