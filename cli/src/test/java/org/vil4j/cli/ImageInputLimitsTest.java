package org.vil4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Image size limits (pixels from the header, tokens per image) and damaged images, through predict. */
class ImageInputLimitsTest {
    private static final Path MICRO_TH = CliRun.GOLDEN.resolve("vil2-micro-official-layout.th");

    @TempDir
    Path dir;

    /** A valid PNG whose header claims {@code width x height} (the data is a 4x4 image's). */
    static Path pngClaiming(Path file, int width, int height) throws IOException {
        ImageIO.write(new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB), "png", file.toFile());
        byte[] b = Files.readAllBytes(file);
        ByteBuffer.wrap(b).putInt(16, width).putInt(20, height);
        CRC32 crc = new CRC32();
        crc.update(b, 12, 17);
        ByteBuffer.wrap(b).putInt(29, (int) crc.getValue());
        Files.write(file, b);
        return file;
    }

    static Path noisy(Path file, String format) throws IOException {
        BufferedImage image = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(7);
        for (int y = 0; y < 48; y++) {
            for (int x = 0; x < 64; x++) {
                image.setRGB(x, y, r.nextInt());
            }
        }
        ImageIO.write(image, format, file.toFile());
        return file;
    }

    static CliRun predict(String... more) {
        String[] base = {"predict", "--weights", MICRO_TH.toString(), "--backend", "java"};
        String[] args = Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        return CliRun.of(args);
    }

    static void assertOneLine(CliRun run, String... parts) {
        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(2);
        assertThat(run.err().strip()).doesNotContain("\n").startsWith("vil: ").contains(parts);
    }

    @Test
    void aHugeImageIsRefusedFromItsHeaderNamingTheLimitAndTheOption() throws IOException {
        Path huge = pngClaiming(dir.resolve("huge.png"), 30000, 30000);
        assertOneLine(predict(huge.toString()), huge.toString(), "30000x30000 = 900,000,000 pixels",
                "limit of 100,000,000", "--max-image-pixels");
        Path small = noisy(dir.resolve("small.png"), "png");
        assertOneLine(predict("--max-image-pixels", "1000", small.toString()), small.toString(), "64x48",
                "limit of 1,000", "--max-image-pixels");
        assertThat(predict("--max-image-pixels", "3072", small.toString()).exitCode()).isZero();
        assertOneLine(predict("--max-image-pixels", "0", small.toString()), "--max-image-pixels");
    }

    @Test
    void aTokenGridAboveTheLimitIsRefusedUntilTheLimitIsRaised() throws IOException {
        Path small = noisy(dir.resolve("small.png"), "png");
        long start = System.nanoTime();
        assertOneLine(predict("--input", "7000", small.toString()), "--input 7000", "tokens per image",
                "--max-tokens");
        assertThat((System.nanoTime() - start) / 1e9).isLessThan(60);
        assertOneLine(predict("--max-tokens", "3", small.toString()), "--max-tokens");
        assertThat(predict("--max-tokens", "100000", small.toString()).exitCode()).isZero();
        assertOneLine(predict("--input", "-28", small.toString()), "--input -28");
        assertOneLine(predict("--input", "0x5", small.toString()), "--input 0x5");
    }

    @Test
    void truncatedJpegAndPngAreErrorsNamingTheFile() throws IOException {
        for (String format : new String[] {"jpg", "png"}) {
            Path full = noisy(dir.resolve("full." + format), format.equals("jpg") ? "jpeg" : "png");
            byte[] bytes = Files.readAllBytes(full);
            Path cut = dir.resolve("cut." + format);
            Files.write(cut, Arrays.copyOf(bytes, bytes.length * 2 / 3));
            assertThat(predict(full.toString()).exitCode()).isZero();
            assertOneLine(predict(cut.toString()), "cannot read image " + cut, "truncated");
        }
    }
}
