package org.vil4j.formats.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;

/**
 * Seeded random corruption of a valid file. Whatever the bytes, parsing must either succeed (and then every tensor
 * must read back) or fail with SafetensorsFormatException: never another exception, never an OutOfMemoryError.
 */
class SafetensorsMutationFuzzTest {
    private static final int MUTATIONS = 5000;
    private static final long SEED = 0x5AFE_7E45L;
    /** Bytes that steer JSON into interesting states more often than uniformly random bytes do. */
    private static final byte[] JSON_BYTES = "0123456789-+.eE\"\\{}[],: nultrfaxF3IU8BOL_u".getBytes();

    @Test
    @DisplayName("5000 seeded mutations of a valid file: each parses or throws SafetensorsFormatException")
    void everyMutationParsesOrFailsWithAFormatException(TestReporter reporter) {
        byte[] valid = TestFiles.smallValidFile();
        int headerEnd = 8 + (int) ByteBuffer.wrap(valid).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Random random = new Random(SEED);
        int accepted = 0;
        int rejected = 0;
        List<String> failures = new ArrayList<>();

        for (int round = 0; round < MUTATIONS; round++) {
            byte[] mutated = mutate(valid, headerEnd, random);
            try {
                SafetensorsFile file = SafetensorsFile.parse(mutated, "mutation-" + round);
                readEverything(file);
                accepted++;
            } catch (SafetensorsFormatException expected) {
                rejected++;
            } catch (Throwable unexpected) {
                failures.add("mutation " + round + " " + Arrays.toString(Arrays.copyOf(mutated, Math.min(mutated.length, 64)))
                        + " -> " + unexpected);
            }
        }

        String summary = MUTATIONS + " mutations (seed " + SEED + "): " + accepted + " accepted, " + rejected
                + " rejected with SafetensorsFormatException, " + failures.size() + " failed otherwise";
        reporter.publishEntry("summary", summary);
        assertThat(failures).as(summary).isEmpty();
        assertThat(accepted + rejected).as(summary).isEqualTo(MUTATIONS);
        // Both outcomes must actually occur, or the mutations are not probing anything.
        assertThat(accepted).as(summary).isPositive();
        assertThat(rejected).as(summary).isPositive();
    }

    private static void readEverything(SafetensorsFile file) {
        file.metadata().forEach((key, value) -> { });
        for (String name : file.names()) {
            TensorEntry entry = file.entry(name);
            assertThat(file.floats(name)).hasSize((int) entry.elementCount());
            assertThat(file.doubles(name)).hasSize((int) entry.elementCount());
            if (entry.dtype().isIntegral()) {
                assertThat(file.longs(name)).hasSize((int) entry.elementCount());
            }
            assertThat(file.buffer(name).remaining()).isEqualTo((int) entry.byteLength());
        }
    }

    private static byte[] mutate(byte[] valid, int headerEnd, Random random) {
        byte[] bytes = valid.clone();
        int edits = 1 + (random.nextInt(4) == 0 ? random.nextInt(5) : 0);
        for (int i = 0; i < edits; i++) {
            bytes = mutateOnce(bytes, headerEnd, random);
        }
        return bytes;
    }

    private static byte[] mutateOnce(byte[] bytes, int headerEnd, Random random) {
        if (bytes.length == 0) {
            return bytes;
        }
        int position = pickPosition(bytes.length, headerEnd, random);
        switch (random.nextInt(7)) {
            case 0 -> bytes[position] ^= (byte) (1 << random.nextInt(8));
            case 1 -> bytes[position] = JSON_BYTES[random.nextInt(JSON_BYTES.length)];
            case 2 -> bytes[position] = (byte) random.nextInt(256);
            case 3 -> {
                return Arrays.copyOf(bytes, random.nextInt(bytes.length));
            }
            case 4 -> {
                // Lie about the header length: near the truth, or anywhere in the unsigned 64-bit range.
                if (bytes.length >= 8) {
                    ByteBuffer prefix = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
                    long truth = prefix.getLong(0);
                    prefix.putLong(0, random.nextBoolean() ? truth + random.nextInt(33) - 16 : random.nextLong());
                }
            }
            case 5 -> {
                // Delete a short run: shifts everything after it, so offsets and the prefix go stale.
                int length = Math.min(1 + random.nextInt(4), bytes.length - position);
                byte[] shorter = new byte[bytes.length - length];
                System.arraycopy(bytes, 0, shorter, 0, position);
                System.arraycopy(bytes, position + length, shorter, position, bytes.length - position - length);
                return shorter;
            }
            default -> {
                // Insert a JSON-ish byte.
                byte[] longer = new byte[bytes.length + 1];
                System.arraycopy(bytes, 0, longer, 0, position);
                longer[position] = JSON_BYTES[random.nextInt(JSON_BYTES.length)];
                System.arraycopy(bytes, position, longer, position + 1, bytes.length - position);
                return longer;
            }
        }
        return bytes;
    }

    /** Mostly inside the prefix and header, where the parser's decisions are made. */
    private static int pickPosition(int length, int headerEnd, Random random) {
        int bound = random.nextInt(10) < 8 ? Math.min(headerEnd, length) : length;
        return random.nextInt(bound);
    }
}
