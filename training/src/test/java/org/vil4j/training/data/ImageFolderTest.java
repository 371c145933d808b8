package org.vil4j.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {
    @TempDir
    Path root;

    private static void writeSolid(Path file, int width, int height, int rgb) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, rgb);
            }
        }
        Files.createDirectories(file.getParent());
        ImageIO.write(image, "png", file.toFile());
    }

    @Test
    void classesAreSortedFolderNamesAndImagesAreResizedRgb() throws IOException {
        writeSolid(root.resolve("zebra/b.PNG"), 6, 4, 0x00FF00);
        writeSolid(root.resolve("zebra/a.png"), 3, 3, 0xFF0000);
        writeSolid(root.resolve("ant/nested/c.png"), 8, 8, 0x0000FF);
        Files.writeString(root.resolve("ant/notes.txt"), "not an image");
        Files.createDirectories(root.resolve(".hidden"));

        ImageFolder dataset = new ImageFolder(root, 3, 5, 7);

        assertThat(dataset.classNames()).containsExactly("ant", "zebra");
        assertThat(dataset.size()).isEqualTo(3);
        assertThat(dataset.file(1).getFileName().toString()).isEqualTo("a.png");
        assertThat(new int[] {dataset.label(0), dataset.label(1), dataset.label(2)}).containsExactly(0, 1, 1);
        float[] image = new float[3 * 5 * 7];
        dataset.image(1, image, 0);
        for (int i = 0; i < 35; i++) {
            assertThat(image[i]).isEqualTo(1f);
            assertThat(image[35 + i]).isEqualTo(0f);
            assertThat(image[70 + i]).isEqualTo(0f);
        }
    }

    @Test
    void grayscaleUsesLuma() throws IOException {
        writeSolid(root.resolve("only/x.png"), 2, 2, 0x336699);

        ImageFolder dataset = new ImageFolder(root, 1, 2, 2);
        float[] image = new float[4];
        dataset.image(0, image, 0);

        float luma = (0.299f * 0x33 + 0.587f * 0x66 + 0.114f * 0x99) / 255f;
        assertThat(image).containsOnly(new float[] {luma}, within(1e-6f));
    }

    @Test
    void keepsPixelsExactlyAtTheSameSizeAndInterpolatesWhenScaling() throws IOException {
        BufferedImage image = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, 0x000000);
        image.setRGB(1, 0, 0xFFFFFF);
        Files.createDirectories(root.resolve("c"));
        ImageIO.write(image, "png", root.resolve("c/gradient.png").toFile());

        float[] same = new float[3 * 2];
        new ImageFolder(root, 3, 1, 2).image(0, same, 0);
        float[] wider = new float[4];
        new ImageFolder(root, 1, 1, 4).image(0, wider, 0);

        assertThat(same).containsExactly(0f, 1f, 0f, 1f, 0f, 1f);
        // centres of 4 target pixels fall at source x = -0.25 (clamped), 0.25, 0.75, 1.25 (clamped)
        assertThat(wider).containsExactly(new float[] {0f, 0.25f, 0.75f, 1f}, within(1e-6f));
    }

    @Test
    void anUnreadableImageIsNamed() throws IOException {
        Path broken = Files.createDirectories(root.resolve("c")).resolve("broken.jpg");
        Files.writeString(broken, "not really a jpeg");

        ImageFolder dataset = new ImageFolder(root, 3, 4, 4);

        assertThatThrownBy(() -> dataset.image(0, new float[48], 0)).isInstanceOf(DatasetException.class)
                .hasMessageContaining(broken.toString());
    }

    @Test
    void aClassFolderWithoutImagesIsNamed() throws IOException {
        writeSolid(root.resolve("full/a.png"), 2, 2, 0);
        Path empty = Files.createDirectories(root.resolve("empty"));

        assertThatThrownBy(() -> new ImageFolder(root, 3, 2, 2)).isInstanceOf(DatasetException.class)
                .hasMessageContaining(empty.toString());
    }

    @Test
    void anImageLargerThanTheLimitIsRefusedFromItsHeaderAndATruncatedOneIsNamed() throws IOException {
        Path huge = root.resolve("c/huge.png");
        writeSolid(huge, 4, 4, 0);
        byte[] b = Files.readAllBytes(huge);
        java.nio.ByteBuffer.wrap(b).putInt(16, 30000).putInt(20, 30000);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(b, 12, 17);
        java.nio.ByteBuffer.wrap(b).putInt(29, (int) crc.getValue());
        Files.write(huge, b);
        BufferedImage noise = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        java.util.Random random = new java.util.Random(3);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 40; x++) {
                noise.setRGB(x, y, random.nextInt());
            }
        }
        Path full = root.resolve("c/noise.jpg");
        ImageIO.write(noise, "jpeg", full.toFile());
        byte[] jpeg = Files.readAllBytes(full);
        Files.write(root.resolve("c/truncated.jpg"), java.util.Arrays.copyOf(jpeg, jpeg.length / 2));

        ImageFolder dataset = new ImageFolder(root, 3, 4, 4);

        assertThat(dataset.file(0)).isEqualTo(huge);
        assertThatThrownBy(() -> dataset.image(0, new float[48], 0)).isInstanceOf(DatasetException.class)
                .hasMessageContaining(huge.toString()).hasMessageContaining("900,000,000 pixels")
                .hasMessageContaining("--max-image-pixels");
        dataset.image(1, new float[48], 0);
        assertThatThrownBy(() -> dataset.image(2, new float[48], 0)).isInstanceOf(DatasetException.class)
                .hasMessageContaining(root.resolve("c/truncated.jpg").toString()).hasMessageContaining("truncated");
        assertThatThrownBy(() -> new ImageFolder(root, 3, 4, 4, 0)).isInstanceOf(DatasetException.class)
                .hasMessageContaining("--max-image-pixels");
    }
}
