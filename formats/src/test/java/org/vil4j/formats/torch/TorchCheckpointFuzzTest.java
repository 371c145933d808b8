package org.vil4j.formats.torch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;

/**
 * Seeded random corruption of valid checkpoints, at two levels: the archive's bytes (zip structure, CRCs) and the
 * pickle's bytes re-wrapped in a valid archive (so the pickle machine sees every mutation). Whatever the bytes, reading
 * must either succeed completely or fail with TorchFormatException: never another exception, never an OOM.
 */
class TorchCheckpointFuzzTest {
    static final int ARCHIVE_MUTATIONS = 3000;
    static final int PICKLE_MUTATIONS = 5000;
    static final int GOLDEN_PICKLE_MUTATIONS = 1000;
    private static final long SEED = 0x70C4_F022L;
    /** Opcode bytes the machine knows, so mutations reach deeper than uniformly random bytes do. */
    private static final byte[] OPCODES = "}](tqhrjcRQKMJX.usaebN\u0085\u0086\u0087\u0088\u0089\u008a\u008c\u0093\u0094\u0095"
            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

    private static byte[] smallPickle() {
        return new Archives.Pickle().op('}').mark()
                .str("state_dict").op('}').mark()
                .str("a").tensor("FloatStorage", "0", 6, 0, new long[]{2, 3}, new long[]{3, 1})
                .str("b").tensor("FloatStorage", "0", 6, 1, new long[]{2, 2}, new long[]{1, 3})
                .str("c").tensor("HalfStorage", "1", 4, 0, new long[]{4}, new long[]{1})
                .op('u')
                .str("meta").op(']').mark().integer(1).integer(-70000).integer(1L << 40).op('N').op(0x88).op('e')
                .op('u').stop().bytes();
    }

    private static Map<String, byte[]> storages() {
        Map<String, byte[]> s = new LinkedHashMap<>();
        s.put("0", Archives.floats(1, 2, 3, 4, 5, 6));
        s.put("1", new byte[]{0, 0x3C, 0, (byte) 0xC0, 1, 0, 0, 0x7C});
        return s;
    }

    @Test
    void everyMutationReadsOrFailsWithATorchFormatException(TestReporter reporter) throws Exception {
        Random random = new Random(SEED);
        Outcome archive = new Outcome();
        byte[] valid = Archives.zip(smallPickle(), storages());
        for (int i = 0; i < ARCHIVE_MUTATIONS; i++) {
            archive.run(mutate(valid, random), "archive-mutation-" + i);
        }
        Outcome pickle = new Outcome();
        byte[] validPickle = smallPickle();
        for (int i = 0; i < PICKLE_MUTATIONS; i++) {
            pickle.run(Archives.zip(mutate(validPickle, random), storages()), "pickle-mutation-" + i);
        }
        Outcome golden = new Outcome();
        Path goldenFile = Path.of(System.getProperty("vil4j.golden", "../golden"))
                .resolve("vil2-micro-official-layout.th"); // the repository's golden/ carries it
        byte[] goldenPickle;
        Map<String, byte[]> goldenStorages = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(goldenFile.toFile())) {
            String prefix = "vil2-micro-official-layout/";
            goldenPickle = zip.getInputStream(zip.getEntry(prefix + "data.pkl")).readAllBytes();
            for (var e : java.util.Collections.list(zip.entries())) {
                if (e.getName().startsWith(prefix + "data/")) {
                    goldenStorages.put(e.getName().substring(prefix.length() + 5),
                            zip.getInputStream(e).readAllBytes());
                }
            }
        }
        for (int i = 0; i < GOLDEN_PICKLE_MUTATIONS; i++) {
            golden.run(Archives.zip(mutate(goldenPickle, random), goldenStorages), "golden-pickle-mutation-" + i);
        }
        String summary = "seed " + SEED + ": archive " + archive + "; pickle " + pickle + "; golden pickle " + golden
                + "; total " + (ARCHIVE_MUTATIONS + PICKLE_MUTATIONS + GOLDEN_PICKLE_MUTATIONS) + " inputs";
        reporter.publishEntry("summary", summary);
        System.out.println("TorchCheckpointFuzzTest " + summary);
        for (Outcome o : List.of(archive, pickle, golden)) {
            assertThat(o.failures).as(summary).isEmpty();
            assertThat(o.accepted).as(summary).isPositive();
            assertThat(o.rejected).as(summary).isPositive();
        }
    }

    private static final class Outcome {
        int accepted, rejected;
        final List<String> failures = new ArrayList<>();

        void run(byte[] bytes, String name) {
            try {
                TorchCheckpoint c = TorchCheckpoint.parse(bytes, name);
                c.root();
                c.extras();
                for (TorchTensor t : c.stateDict().values()) {
                    t.toFloats();
                }
                accepted++;
            } catch (TorchFormatException expected) {
                rejected++;
            } catch (Throwable unexpected) {
                failures.add(name + " -> " + unexpected);
            }
        }

        @Override
        public String toString() {
            return accepted + " accepted, " + rejected + " rejected, " + failures.size() + " failed otherwise";
        }
    }

    /** 1 to 4 edits: flip a bit, set a byte (often to an opcode or a small/large number), delete, duplicate, cut. */
    static byte[] mutate(byte[] valid, Random random) {
        byte[] b = valid.clone();
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits && b.length > 0; e++) {
            int at = random.nextInt(b.length);
            switch (random.nextInt(6)) {
                case 0 -> b[at] ^= (byte) (1 << random.nextInt(8));
                case 1 -> b[at] = OPCODES[random.nextInt(OPCODES.length)];
                case 2 -> b[at] = (byte) new int[]{0, 1, 0x7F, 0x80, 0xFF}[random.nextInt(5)];
                case 3 -> {
                    byte[] shorter = new byte[b.length - 1];
                    System.arraycopy(b, 0, shorter, 0, at);
                    System.arraycopy(b, at + 1, shorter, at, b.length - at - 1);
                    b = shorter;
                }
                case 4 -> {
                    int len = Math.min(1 + random.nextInt(16), b.length - at);
                    byte[] longer = new byte[b.length + len];
                    System.arraycopy(b, 0, longer, 0, at + len);
                    System.arraycopy(b, at, longer, at + len, b.length - at);
                    b = longer;
                }
                default -> b = java.util.Arrays.copyOf(b, at);
            }
        }
        return b;
    }
}
